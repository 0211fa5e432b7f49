// PHP test environment helpers (php_env.h).
#include "php_env.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>

#include "harness.h"

namespace sonde::e2e {

std::string php_fixture(const std::string& name) { return source_path("tests/fixtures/php/" + name); }

std::vector<std::string> with_dtrace(const std::vector<std::string>& argv) {
  std::vector<std::string> out{"env", "USE_ZEND_DTRACE=1"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

std::string make_temp_dir(const std::string& stem) {
  std::string dir = temp_path(stem);
  run({"mkdir", "-p", dir});
  return dir;
}

void remove_tree(const std::string& dir) { run({"rm", "-rf", dir}); }

bool has_ipv6_loopback() {
  std::ifstream in("/proc/net/if_inet6");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("00000000000000000000000000000001", 0) == 0) return true;
  return false;
}

std::string free_tcp_port() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
            getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  close(fd);
  return ok ? std::to_string(ntohs(addr.sin_port)) : "";
}

std::string port_after(const std::string& ready_line, const std::string& host) {
  size_t at = ready_line.find(host + ":");
  if (at == std::string::npos) return "";
  size_t begin = at + host.size() + 1;
  return ready_line.substr(begin, ready_line.find_first_not_of("0123456789", begin) - begin);
}

}  // namespace sonde::e2e
