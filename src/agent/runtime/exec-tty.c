/* gantry-exec-tty: an interactive `kubectl exec -it` for the node agent. Runs
 * `runc exec -d --tty --console-socket SOCKET --pid-file PIDFILE …`, receives the pseudo-terminal
 * master that runc sends over SOCKET (SCM_RIGHTS, which Node cannot receive), adopts the exec'd
 * process (child subreaper: it is reparented here when the detached runc exits) and relays:
 *   fd 0 → terminal input, terminal output → fd 1, runc's own errors → fd 2,
 *   fd 3 (a socket to the agent): in, resize lines "WIDTH HEIGHT\n"; out, "started\n" once the
 *   terminal is there. Closing fd 3 kills the process (the client went away).
 * Exits with the command's exit code (128+N when killed by signal N); 125 when runc failed before
 * the terminal existed (its message is on fd 2 and "started" was never written).
 *
 * usage: gantry-exec-tty SOCKET PIDFILE RUNC [RUNC ARGS…]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define CONTROL_FD 3

static const char *socket_path;

static void fail(const char *what) {
  fprintf(stderr, "gantry-exec-tty: %s: %s\n", what, strerror(errno));
  if (socket_path) unlink(socket_path);
  exit(125);
}

static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        struct pollfd pfd = {fd, POLLOUT, 0};
        poll(&pfd, 1, 1000);
        continue;
      }
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int receive_fd(int conn) {
  char name[4096];
  struct iovec iov = {name, sizeof name};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg = {0};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = u.buf;
  msg.msg_controllen = sizeof u.buf;
  ssize_t n;
  do {
    n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return -1;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
    errno = EPROTO;
    return -1;
  }
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return fd;
}

static int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 125;
}

/* Applies complete "W H" lines from the control channel; returns 0 on EOF. */
static int read_control(int master, char *line, size_t *len, size_t cap) {
  ssize_t n = read(CONTROL_FD, line + *len, cap - 1 - *len);
  if (n < 0) return errno == EINTR || errno == EAGAIN ? 1 : 0;
  if (n == 0) return 0;
  *len += (size_t)n;
  line[*len] = '\0';
  char *nl;
  while ((nl = strchr(line, '\n')) != NULL) {
    *nl = '\0';
    unsigned w = 0, h = 0;
    if (sscanf(line, "%u %u", &w, &h) == 2 && w > 0 && h > 0 && w < 65536 && h < 65536) {
      struct winsize ws = {.ws_row = (unsigned short)h, .ws_col = (unsigned short)w};
      ioctl(master, TIOCSWINSZ, &ws);
    }
    size_t rest = *len - (size_t)(nl + 1 - line);
    memmove(line, nl + 1, rest);
    *len = rest;
    line[*len] = '\0';
  }
  if (*len >= cap - 1) *len = 0; /* an over-long line is dropped */
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: gantry-exec-tty SOCKET PIDFILE RUNC [RUNC ARGS...]\n");
    return 125;
  }
  signal(SIGPIPE, SIG_IGN);
  socket_path = argv[1];
  const char *pid_file = argv[2];
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) fail("prctl(PR_SET_CHILD_SUBREAPER)");

  int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (lfd < 0) fail("socket");
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(socket_path) >= sizeof addr.sun_path) {
    errno = ENAMETOOLONG;
    fail("console socket path");
  }
  strcpy(addr.sun_path, socket_path);
  unlink(socket_path);
  if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0) fail("bind console socket");
  if (listen(lfd, 1) != 0) fail("listen on console socket");

  pid_t runc = fork();
  if (runc < 0) fail("fork");
  if (runc == 0) {
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) dup2(null, 0);
    dup2(2, 1);
    close(CONTROL_FD);
    execvp(argv[3], argv + 3);
    fprintf(stderr, "gantry-exec-tty: exec %s: %s\n", argv[3], strerror(errno));
    _exit(127);
  }

  /* wait for the terminal (or for runc to fail) */
  int master = -1, status = 0, runc_done = 0;
  while (master < 0) {
    struct pollfd pfd = {lfd, POLLIN, 0};
    int r = poll(&pfd, 1, 100);
    if (r > 0 && (pfd.revents & POLLIN)) {
      int conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
      if (conn >= 0) {
        master = receive_fd(conn);
        close(conn);
        if (master < 0) fail("receive the terminal from runc");
      }
    }
    if (!runc_done && waitpid(runc, &status, WNOHANG) == runc) {
      runc_done = 1;
      if (exit_code_of(status) != 0 && master < 0) {
        unlink(socket_path);
        return 125;
      }
    }
  }
  close(lfd);
  unlink(socket_path);
  if (!runc_done) {
    while (waitpid(runc, &status, 0) < 0 && errno == EINTR) {
    }
    if (exit_code_of(status) != 0) return 125;
  }
  char pid_text[32] = {0};
  int pf = open(pid_file, O_RDONLY | O_CLOEXEC);
  if (pf < 0) fail("open pid file");
  if (read(pf, pid_text, sizeof pid_text - 1) <= 0) fail("read pid file");
  close(pf);
  pid_t pid = (pid_t)atoi(pid_text);
  if (pid <= 0) {
    errno = EINVAL;
    fail("pid file");
  }
  write_all(CONTROL_FD, "started\n", 8);

  char buf[32768];
  char line[256];
  size_t line_len = 0;
  int stdin_open = 1, control_open = 1, master_open = 1, done = 0;
  status = 0;
  while (!done) {
    struct pollfd fds[3] = {
        {master_open ? master : -1, POLLIN, 0},
        {stdin_open ? 0 : -1, POLLIN, 0},
        {control_open ? CONTROL_FD : -1, POLLIN, 0},
    };
    int r = poll(fds, 3, 200);
    if (r < 0 && errno != EINTR) break;
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = read(master, buf, sizeof buf);
      if (n > 0) {
        if (write_all(1, buf, (size_t)n) != 0) {
          kill(pid, SIGKILL); /* nobody reads any more */
          master_open = 0;
        }
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        master_open = 0; /* EIO: every holder of the terminal's other end is gone */
      }
    }
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = read(0, buf, sizeof buf);
      if (n > 0) {
        write_all(master, buf, (size_t)n);
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        stdin_open = 0; /* a terminal has no end of input: keep it open */
      }
    }
    if (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) {
      if (!read_control(master, line, &line_len, sizeof line)) {
        control_open = 0;
        kill(pid, SIGKILL); /* the agent dropped the session */
      }
    }
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) {
      /* the command ended: pass on what it printed last, then stop */
      fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
      for (int i = 0; i < 64 && master_open; i++) {
        ssize_t n = read(master, buf, sizeof buf);
        if (n <= 0) break;
        if (write_all(1, buf, (size_t)n) != 0) break;
      }
      done = 1;
    } else if (w < 0 && errno == ECHILD && !master_open) {
      /* not our child after all (no status to read): done once the terminal has closed */
      status = 0;
      done = 1;
    }
  }
  close(master);
  return exit_code_of(status);
}
