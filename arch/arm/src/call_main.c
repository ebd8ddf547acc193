/* C++ may not call main(); C may. The kernel reaches the application's main() through here. */
int main(void);

int ward_call_main(void) { return main(); }
