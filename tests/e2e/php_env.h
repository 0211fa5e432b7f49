// What the PHP end-to-end tests share: fixture paths, PHP with its function
// probes on, scratch directories, and the loopback facts a fixture needs.
#pragma once

#include <string>
#include <vector>

namespace sonde::e2e {

// tests/fixtures/php/NAME in the source tree.
std::string php_fixture(const std::string& name);
// argv running PHP (`php`, `php-fpm8.2`...) with USE_ZEND_DTRACE=1, so its
// function probes fire (PHP reads it once, at start).
std::vector<std::string> with_dtrace(const std::vector<std::string>& argv);
// A fresh, existing directory under /tmp; remove it with remove_tree().
std::string make_temp_dir(const std::string& stem);
void remove_tree(const std::string& dir);

// True when the machine has IPv6 loopback (::1).
bool has_ipv6_loopback();
// A loopback TCP port nothing listens on right now (the kernel's pick for 0), "" if none.
std::string free_tcp_port();
// "ready tcp://127.0.0.1:41234 tcp://[::1]:40111 unix:///x" -> the port after `host`.
std::string port_after(const std::string& ready_line, const std::string& host);

}  // namespace sonde::e2e
