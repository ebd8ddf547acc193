/* lwIP's configuration for Ward (docs/networking.md). One configuration for the firmware and the host
 * build, so the host tests exercise the code the device runs. Every pool is static (MEMP_*, the
 * heap is lwIP's own fixed array): no malloc. What the device does not need is not compiled, so
 * that outside data cannot reach it: no SNMP, PPP, SLIP, raw sockets, IP forwarding, altcp/TLS. */
#ifndef WARD_LWIPOPTS_H
#define WARD_LWIPOPTS_H

/* An OS port: lwIP runs in its own thread (tcpip_thread) on Ward's kernel (sys_arch.cpp). */
#define NO_SYS 0
#define SYS_LIGHTWEIGHT_PROT 1
#define LWIP_TCPIP_CORE_LOCKING 0 /* every call goes to the tcpip thread as a message */
#define TCPIP_THREAD_NAME "lwip"
#define TCPIP_THREAD_STACKSIZE 4096
#define TCPIP_THREAD_PRIO 20
#define TCPIP_MBOX_SIZE 16
#define DEFAULT_THREAD_STACKSIZE 2048
#define DEFAULT_THREAD_PRIO 10
#define DEFAULT_RAW_RECVMBOX_SIZE 8
#define DEFAULT_UDP_RECVMBOX_SIZE 8
#define DEFAULT_TCP_RECVMBOX_SIZE 8
#define DEFAULT_ACCEPTMBOX_SIZE 4
#define LWIP_NETCONN_SEM_PER_THREAD 0

/* Memory: lwIP's heap and pools are static arrays (no C library malloc). */
#define MEM_LIBC_MALLOC 0
#define MEMP_MEM_MALLOC 0
#define MEM_ALIGNMENT 4
#define MEM_SIZE (12 * 1024)
#define MEMP_NUM_PBUF 16
/* Protocol control blocks and netconns: the socket calls' pool (lib/net/src/sockets.cpp, user
 * threads) can never take the system's own. Every pool below is what user sockets can hold at
 * most plus what the system keeps for itself, so a user thread that opens every socket it may
 * still leaves DHCP, DNS and the kernel's own netconns what they need (red-team review: with 6
 * UDP PCBs for 8 sockets, user sockets took the last PCB and DNS failed for the whole system).
 * sockets.cpp static_asserts its pool against these numbers. */
#define WARD_NET_SOCKETS 8          /* the pool: each socket holds one PCB, of its kind */
#define WARD_NET_LISTENERS 2        /* of them listening at once (sockets.cpp refuses more) */
#define WARD_NET_BACKLOG 2          /* connections each waits to accept (SYN received included) */
#define WARD_NET_PENDING (WARD_NET_LISTENERS * WARD_NET_BACKLOG) /* TCP PCBs not in a socket yet */
/* The system's own: DHCP (1 UDP PCB for every interface), SNTP (1, lib/net/src/sntp.cpp), DNS (a fresh UDP PCB with a random
 * port for each query in flight: DNS_MAX_SOURCE_PORTS), and the kernel-mode users of netconn
 * directly: the SMP server over UDP (lib/mgmt), the TLS client (lib/tls), an application's own
 * (samples/net_echo: a UDP socket, a listener and its connections). */
#define DNS_TABLE_SIZE 4
#define DNS_MAX_SOURCE_PORTS DNS_TABLE_SIZE
#define WARD_NET_SYSTEM_UDP_PCBS (1 + DNS_MAX_SOURCE_PORTS + 2 + 1) /* ... and SNTP's one */
#define WARD_NET_SYSTEM_TCP_PCBS 3
#define WARD_NET_SYSTEM_LISTENERS 2
#define WARD_NET_SYSTEM_NETCONNS 5
#define MEMP_NUM_UDP_PCB (WARD_NET_SOCKETS + WARD_NET_SYSTEM_UDP_PCBS)
#define MEMP_NUM_TCP_PCB (WARD_NET_SOCKETS + WARD_NET_PENDING + WARD_NET_SYSTEM_TCP_PCBS)
#define MEMP_NUM_TCP_PCB_LISTEN (WARD_NET_LISTENERS + WARD_NET_SYSTEM_LISTENERS)
/* lwIP keeps a listener's backlog (accepts_pending, counted from the SYN): without it a user
 * listener's unaccepted connections were bounded by nothing but the PCB pool. */
#define TCP_LISTEN_BACKLOG 1
#define MEMP_NUM_TCP_SEG 32
#define MEMP_NUM_NETBUF 8
/* The pool's netconns, one for each connection lwIP accepted and the pool has not taken yet, the
 * system's. */
#define MEMP_NUM_NETCONN (WARD_NET_SOCKETS + WARD_NET_PENDING + WARD_NET_SYSTEM_NETCONNS)
#define MEMP_NUM_TCPIP_MSG_API 8
#define MEMP_NUM_TCPIP_MSG_INPKT 16
#define PBUF_POOL_SIZE 24
/* A whole Ethernet frame in one pool buffer: the driver copies the FIFO into one pbuf. */
#define PBUF_POOL_BUFSIZE 1536
#define MEMP_OVERFLOW_CHECK 0
#define MEMP_SANITY_CHECK 0

/* Protocols: IPv4 and IPv6, DHCP, DNS, UDP, TCP. */
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_IPV4 1
#define LWIP_IPV6 1
#define LWIP_IPV6_AUTOCONFIG 1
#define LWIP_IPV6_DHCP6 0
#define LWIP_IPV6_MLD 1
#define LWIP_ICMP 1
#define LWIP_ICMP6 1
#define LWIP_DHCP 1
#define LWIP_DHCP_DOES_ACD_CHECK 0 /* slirp's lease is never contested; the check costs seconds */
#define LWIP_ACD 0
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_DNS 1
#define DNS_MAX_SERVERS 2
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_RAW 0
#define IP_FORWARD 0
#define IP_REASSEMBLY 1
#define IP_FRAG 1
#define LWIP_IPV6_REASS 1
#define LWIP_IPV6_FRAG 1
#define IP_REASS_MAX_PBUFS 8
/* 64-bit hosts: the IPv6 reassembly helper does not fit in the fragment header it overlays. */
#if defined(__SIZEOF_POINTER__) && __SIZEOF_POINTER__ > 4
#define IPV6_FRAG_COPYHEADER 1
#endif

/* TCP: a full window of four segments, enough for the echo at volume. */
#define TCP_MSS 1460
#define TCP_WND (4 * TCP_MSS)
#define TCP_SND_BUF (4 * TCP_MSS)
#define TCP_SND_QUEUELEN ((4 * TCP_SND_BUF) / TCP_MSS)
#define LWIP_TCP_KEEPALIVE 1

/* APIs: netconn now; BSD sockets come as Ward system calls, not lwIP's sockets.c. */
#define LWIP_NETCONN 1
#define LWIP_SOCKET 0
#define LWIP_NETIF_API 0
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1
#define LWIP_NETCONN_FULLDUPLEX 0
#define LWIP_SO_RCVTIMEO 1
#define LWIP_SO_SNDTIMEO 1

/* SNTP: lwIP's client (apps/sntp), started by lib/net/src/sntp.cpp (ward/net/sntp.hpp says what
 * unauthenticated SNTP can and cannot give). One server, an address (no DNS), or the DHCP lease's
 * (option 42). lwIP checks an answer's source address and port, length, mode, kiss-of-death
 * (stratum 0) and that it echoes the request's transmit timestamp (SNTP_CHECK_RESPONSE 2), which
 * is a random 64-bit nonce here (the device may not know the time; RFC 4330 allows any value,
 * and a nonce stops an off-path attacker). The time lwIP accepts goes to ward_sntp_set_time,
 * which refuses zero and times before the build's floor; the poll interval is the image's
 * (CONFIG_WARD_NET_SNTP_POLL_S, at least 15 s: checked there, hence SNTP_SUPPRESS_DELAY_CHECK). */
#define LWIP_DHCP_GET_NTP_SRV 1
#define LWIP_DHCP_MAX_NTP_SERVERS 1
#define SNTP_MAX_SERVERS 1
#define SNTP_PORT ward_sntp_port() /* the image's CONFIG_WARD_NET_SNTP_PORT (lwIP is built once) */
#define SNTP_SERVER_DNS 0
#define SNTP_CHECK_RESPONSE 2
#define SNTP_COMP_ROUNDTRIP 0
#define SNTP_STARTUP_DELAY 1
#define SNTP_STARTUP_DELAY_FUNC (LWIP_RAND() % 1000)
#define SNTP_RECV_TIMEOUT 3000 /* then lwIP's retry, doubling up to ten times this */
#define SNTP_SUPPRESS_DELAY_CHECK
void ward_sntp_set_time(unsigned int ntp_seconds, unsigned int fraction);
unsigned int ward_sntp_update_delay_ms(void);
unsigned short ward_sntp_port(void);
#define SNTP_SET_SYSTEM_TIME_NTP(sec, frac) ward_sntp_set_time((unsigned int)(sec), (unsigned int)(frac))
#define SNTP_GET_SYSTEM_TIME_NTP(sec, frac) \
  do {                                      \
    (sec) = (s32_t)LWIP_RAND();             \
    (frac) = (u32_t)LWIP_RAND();            \
  } while (0)
#define SNTP_UPDATE_DELAY ward_sntp_update_delay_ms()
/* lwIP counts its core's timeouts only (LWIP_NUM_SYS_TIMEOUT_INTERNAL): SNTP holds two at once
 * (the next request and the receive timeout). */
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 2)

/* Never compiled (cmake/WardLwIP.cmake does not build their sources either). */
#define LWIP_SNMP 0
#define PPP_SUPPORT 0
#define LWIP_ALTCP 0
#define LWIP_ALTCP_TLS 0

/* Checksums in software (the LAN9118 could offload; QEMU's model does not). */
#define CHECKSUM_GEN_IP 1
#define CHECKSUM_CHECK_IP 1
#define CHECKSUM_CHECK_UDP 1
#define CHECKSUM_CHECK_TCP 1

/* Counters for the tests and `./ward bench-net` (lwip_stats). */
#define LWIP_STATS 1
#define LWIP_STATS_DISPLAY 0
#define LINK_STATS 1

/* Randomness for DHCP transaction ids, DNS query ids and ports, TCP initial sequence numbers and
 * local ports: a guessable value lets an off-path host spoof answers, so it comes from the port
 * (sys_arch.cpp: the secure world's generator on the device). */
unsigned int ward_lwip_rand(void);
#define LWIP_RAND() ((u32_t)ward_lwip_rand())
#define LWIP_DNS_SECURE (LWIP_DNS_SECURE_RAND_XID | LWIP_DNS_SECURE_NO_MULTIPLE_OUTSTANDING | LWIP_DNS_SECURE_RAND_SRC_PORT)

#endif /* WARD_LWIPOPTS_H */
