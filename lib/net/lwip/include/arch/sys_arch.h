/* lwIP's operating-system port on Ward's kernel (lib/net/lwip/sys_arch.cpp). The handles are
 * pointers to kernel objects from static pools; a null handle is lwIP's "invalid". */
#ifndef WARD_LWIP_ARCH_SYS_ARCH_H
#define WARD_LWIP_ARCH_SYS_ARCH_H

#include <stddef.h>

struct ward_lwip_sem;
struct ward_lwip_mutex;
struct ward_lwip_mbox;
struct ward_lwip_thread;

typedef struct ward_lwip_sem* sys_sem_t;
typedef struct ward_lwip_mutex* sys_mutex_t;
typedef struct ward_lwip_mbox* sys_mbox_t;
typedef struct ward_lwip_thread* sys_thread_t;
typedef unsigned long sys_prot_t;

#define SYS_MBOX_NULL NULL
#define SYS_SEM_NULL NULL
#define sys_sem_valid(s) ((s) != NULL && *(s) != NULL)
#define sys_sem_set_invalid(s) \
  do {                         \
    if ((s) != NULL) *(s) = NULL; \
  } while (0)
#define sys_mutex_valid(m) ((m) != NULL && *(m) != NULL)
#define sys_mutex_set_invalid(m) \
  do {                           \
    if ((m) != NULL) *(m) = NULL; \
  } while (0)
#define sys_mbox_valid(b) ((b) != NULL && *(b) != NULL)
#define sys_mbox_set_invalid(b) \
  do {                          \
    if ((b) != NULL) *(b) = NULL; \
  } while (0)

#ifdef __cplusplus
extern "C" {
#endif
/* Ward's addition: ends every wait in the mailbox (the waiter's fetch times out at once). For a
 * socket the kernel closes (lib/net/src/sockets.cpp); a null or invalid mailbox is left alone. */
void ward_lwip_mbox_abort_waiters(sys_mbox_t* mbox);
/* Ward's addition: whether a valid mailbox holds a message (a fetch would not wait); 0 for a null
 * or invalid one. For poll (lib/net/src/sockets.cpp). */
int ward_lwip_mbox_pending(sys_mbox_t* mbox);
#ifdef __cplusplus
}
#endif

#endif /* WARD_LWIP_ARCH_SYS_ARCH_H */
