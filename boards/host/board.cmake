# The host port: Ward's portable code as a Linux process (unit tests, sanitizers, fuzzing).
set(WARD_ARCH host)
