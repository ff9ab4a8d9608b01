/* gantry-shim: a tiny conmon. Started detached by the node agent's runtime, it runs one container in the
 * foreground (`runc run`), copies its stdout/stderr into a CRI-format log file, waits for it to exit and
 * records the exit status atomically in an exit file, so the status survives an agent restart.
 *
 * usage: gantry-shim RUNC RUNC_ROOT BUNDLE ID LOG_PATH EXIT_PATH [OOM_WATCH]
 *   OOM_WATCH: "v1:<memory cgroup dir of the container>" (eventfd on memory.oom_control) or
 *              "v2:<cgroup dir of the pod>" (oom_kill counter of memory.events, read before and after).
 * Exit file: {"exitCode":N,"signal":S,"startedAt":"…","finishedAt":"…","oomKilled":true|false}
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 16384

struct stream {
  int fd;
  const char *name;
  size_t len;
  char buf[LINE_MAX_BYTES];
};

static int log_fd = -1;

static void timestamp(char *out, size_t size) {
  struct timespec ts;
  struct tm tm;
  char base[32];
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out, size, "%s.%09ldZ", base, ts.tv_nsec);
}

static void write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return;
    }
    p += w;
    n -= (size_t)w;
  }
}

/* One CRI record: "<time> <stream> <F|P> <text>\n", written with a single write(2) so records never interleave. */
static void emit(const struct stream *s, const char *text, size_t n, char tag) {
  static char rec[LINE_MAX_BYTES + 96];
  char ts[48];
  timestamp(ts, sizeof ts);
  int h = snprintf(rec, sizeof rec, "%s %s %c ", ts, s->name, tag);
  memcpy(rec + h, text, n);
  rec[h + n] = '\n';
  write_all(log_fd, rec, (size_t)h + n + 1);
}

/* Reads what is available; emits full lines (F) and buffer-sized pieces of longer lines (P). 0 at EOF. */
static int pump(struct stream *s) {
  ssize_t r = read(s->fd, s->buf + s->len, sizeof s->buf - s->len);
  if (r < 0) return errno == EINTR || errno == EAGAIN;
  if (r == 0) {
    if (s->len > 0) emit(s, s->buf, s->len, 'F');
    s->len = 0;
    return 0;
  }
  s->len += (size_t)r;
  size_t start = 0;
  for (size_t i = 0; i < s->len; i++) {
    if (s->buf[i] == '\n') {
      emit(s, s->buf + start, i - start, 'F');
      start = i + 1;
    }
  }
  if (start == 0 && s->len == sizeof s->buf) {
    emit(s, s->buf, s->len, 'P');
    start = s->len;
  }
  memmove(s->buf, s->buf + start, s->len - start);
  s->len -= start;
  return 1;
}

static long read_counter(const char *file, const char *key) {
  char buf[4096];
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = 0;
  size_t k = strlen(key);
  for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
    if (strncmp(line, key, k) == 0 && line[k] == ' ') return atol(line + k + 1);
  }
  return -1;
}

/* cgroup v1: registers an eventfd for OOM notifications once runc has created the cgroup. */
static int oom_register(const char *dir) {
  char path[4096], cmd[64];
  snprintf(path, sizeof path, "%s/memory.oom_control", dir);
  int ctl = open(path, O_RDONLY | O_CLOEXEC);
  if (ctl < 0) return -1;
  int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  snprintf(path, sizeof path, "%s/cgroup.event_control", dir);
  int ec = open(path, O_WRONLY | O_CLOEXEC);
  int n = snprintf(cmd, sizeof cmd, "%d %d", efd, ctl);
  int ok = efd >= 0 && ec >= 0 && write(ec, cmd, (size_t)n) == n;
  if (ec >= 0) close(ec);
  close(ctl);
  if (!ok && efd >= 0) close(efd);
  return ok ? efd : -1;
}

int main(int argc, char **argv) {
  if (argc < 7) {
    fprintf(stderr, "usage: %s RUNC RUNC_ROOT BUNDLE ID LOG_PATH EXIT_PATH [OOM_WATCH]\n", argv[0]);
    return 2;
  }
  const char *runc = argv[1], *root = argv[2], *bundle = argv[3], *id = argv[4];
  const char *exit_path = argv[6], *oom = argc > 7 ? argv[7] : "";
  signal(SIGHUP, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  setsid();
  log_fd = open(argv[5], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (log_fd < 0) log_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

  char runc_log[4096], v1dir[4096] = "", v2events[4096] = "", started[48], finished[48];
  snprintf(runc_log, sizeof runc_log, "%s/runc.log", bundle);
  if (strncmp(oom, "v1:", 3) == 0) snprintf(v1dir, sizeof v1dir, "%s", oom + 3);
  if (strncmp(oom, "v2:", 3) == 0) snprintf(v2events, sizeof v2events, "%s/memory.events", oom + 3);
  long oom_before = v2events[0] ? read_counter(v2events, "oom_kill") : -1;
  if (v2events[0] && oom_before < 0) oom_before = 0; /* the pod cgroup is created with this container */

  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) return 1;
  timestamp(started, sizeof started);
  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    signal(SIGHUP, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    execlp(runc, runc, "--root", root, "--log", runc_log, "--log-format", "json", "run", "--bundle", bundle, id,
          (char *)NULL);
    dprintf(2, "gantry-shim: exec %s: %s\n", runc, strerror(errno));
    _exit(127);
  }
  close(out[1]);
  close(err[1]);

  static struct stream streams[2];
  streams[0].fd = out[0];
  streams[0].name = "stdout";
  streams[1].fd = err[0];
  streams[1].name = "stderr";
  int open_streams = 2, status = 0, exited = 0, oom_killed = 0, efd = -1, tries = 0;
  while (open_streams > 0) {
    struct pollfd fds[3];
    int nfds = 0;
    for (int i = 0; i < 2; i++) {
      if (streams[i].fd >= 0) fds[nfds++] = (struct pollfd){.fd = streams[i].fd, .events = POLLIN};
    }
    if (efd >= 0) fds[nfds++] = (struct pollfd){.fd = efd, .events = POLLIN};
    int waiting_for_cgroup = v1dir[0] && efd == -1 && tries < 500 && !exited;
    int ready = poll(fds, (nfds_t)nfds, waiting_for_cgroup ? 10 : exited ? 200 : 1000);
    if (waiting_for_cgroup) {
      tries++;
      efd = oom_register(v1dir);
    }
    if (!exited && waitpid(pid, &status, WNOHANG) == pid) exited = 1;
    if (ready == 0 && exited) break; /* runc is gone and nobody writes any more (a stray holder of the pipes) */
    for (int j = 0; j < nfds && ready > 0; j++) {
      if (!fds[j].revents) continue;
      if (fds[j].fd == efd) {
        uint64_t count;
        if (read(efd, &count, sizeof count) == sizeof count) {
          char ctl[4096];
          snprintf(ctl, sizeof ctl, "%s/memory.oom_control", v1dir);
          /* Notified while the cgroup exists: it hit its limit (the kill itself may not be counted yet).
             Notified after runc removed it: that is the removal. */
          if (access(ctl, F_OK) == 0) oom_killed = 1;
          else { close(efd); efd = -2; }
        }
        continue;
      }
      for (int i = 0; i < 2; i++) {
        if (streams[i].fd == fds[j].fd && !pump(&streams[i])) {
          close(streams[i].fd);
          streams[i].fd = -1;
          open_streams--;
        }
      }
    }
  }
  if (!exited) {
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (oom_before >= 0 && read_counter(v2events, "oom_kill") > oom_before) oom_killed = 1;
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  int sig = code > 128 ? code - 128 : 0;
  timestamp(finished, sizeof finished);

  char tmp[4096], json[512];
  snprintf(tmp, sizeof tmp, "%s.tmp", exit_path);
  int n = snprintf(json, sizeof json,
                   "{\"exitCode\":%d,\"signal\":%d,\"startedAt\":\"%s\",\"finishedAt\":\"%s\",\"oomKilled\":%s}\n", code,
                   sig, started, finished, oom_killed ? "true" : "false");
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return 1;
  write_all(fd, json, (size_t)n);
  fsync(fd);
  close(fd);
  if (rename(tmp, exit_path) < 0) unlink(tmp);
  return 0;
}
