// The strace log parser (tests/e2e/strace_reference.*), on lines captured on
// this project's VM (strace 6.1, Debian 12) while running the PHP fixtures,
// the demo app under php -S and php-fpm, and a few hostile file names. Each
// expectation was read off the line by hand, not produced by the parser.
#include "strace_reference.h"

#include <gtest/gtest.h>

namespace sonde::e2e {
namespace {

// Parses text that must hold exactly one call and no unparsed line.
SyscallRecord only_call(const std::string& text) {
  StraceLog log = parse_strace(text);
  EXPECT_TRUE(log.unparsed.empty()) << log.unparsed.front();
  EXPECT_EQ(log.calls.size(), 1u) << text;
  return log.calls.empty() ? SyscallRecord{} : log.calls.front();
}

constexpr double kSecondsAt07_29 = 7 * 3600 + 29 * 60;

TEST(StraceReference, FileWriteWithPidTimestampFdPathAndDuration) {
  SyscallRecord c = only_call(
      R"strace(3864  07:29:02.711105 write(4</tmp/kio/known_io.txt>, "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"..., 1000) = 1000 <0.000081>)strace");
  EXPECT_EQ(c.pid, 3864);
  EXPECT_DOUBLE_EQ(c.start_s, kSecondsAt07_29 + 2.711105);
  EXPECT_EQ(c.name, "write");
  EXPECT_EQ(c.fd, 4);
  EXPECT_EQ(c.fd_info.kind, FdKind::File);
  EXPECT_EQ(c.fd_info.path, "/tmp/kio/known_io.txt");
  EXPECT_TRUE(c.returned);
  EXPECT_EQ(c.ret, 1000);
  EXPECT_EQ(c.error, "");
  EXPECT_DOUBLE_EQ(c.duration_s, 0.000081);
}

TEST(StraceReference, OpenatReturnsAnAnnotatedFdAndHasNoFdArgument) {
  SyscallRecord c = only_call(
      R"strace(3864  07:29:02.710765 openat(AT_FDCWD</work/wt-demo/tests/fixtures/php>, "/tmp/kio/known_io.txt", O_WRONLY|O_CREAT|O_TRUNC, 0666) = 4</tmp/kio/known_io.txt> <0.000194>)strace");
  EXPECT_EQ(c.fd, -1);  // AT_FDCWD is not an fd number
  EXPECT_EQ(c.ret, 4);
  EXPECT_EQ(c.ret_fd_info.kind, FdKind::File);
  EXPECT_EQ(c.ret_fd_info.path, "/tmp/kio/known_io.txt");
  EXPECT_DOUBLE_EQ(c.duration_s, 0.000194);
}

TEST(StraceReference, ErrorsGiveMinusOneAndTheErrnoName) {
  SyscallRecord c = only_call(
      R"strace(3864  07:29:02.710471 newfstatat(AT_FDCWD</work/wt-demo/tests/fixtures/php>, "/tmp/kio/known_io.txt", 0x7ffc90abb390, AT_SYMLINK_NOFOLLOW) = -1 ENOENT (No such file or directory) <0.000074>)strace");
  EXPECT_TRUE(c.returned);
  EXPECT_EQ(c.ret, -1);
  EXPECT_EQ(c.error, "ENOENT");
  EXPECT_DOUBLE_EQ(c.duration_s, 0.000074);
}

TEST(StraceReference, TcpConnectInProgressGivesTheSockaddrAndAnUnconnectedSocket) {
  SyscallRecord c = only_call(
      R"strace(3864  07:29:02.718611 connect(4<TCP:[369569]>, {sa_family=AF_INET, sin_port=htons(38411), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 EINPROGRESS (Operation now in progress) <0.000163>)strace");
  EXPECT_EQ(c.fd, 4);
  EXPECT_EQ(c.fd_info.kind, FdKind::Tcp);
  EXPECT_EQ(c.fd_info.protocol, "TCP");
  EXPECT_EQ(c.fd_info.local, "369569");  // the inode: no address yet
  EXPECT_EQ(c.fd_info.peer, "");
  EXPECT_EQ(c.sockaddr, "127.0.0.1:38411");
  EXPECT_EQ(c.error, "EINPROGRESS");
}

TEST(StraceReference, ConnectedTcpSocketHasLocalAndPeerEndpoints) {
  SyscallRecord c = only_call(
      R"strace(3864  07:29:02.724831 recvfrom(4<TCP:[127.0.0.1:60740->127.0.0.1:38411]>, "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr"..., 8192, MSG_DONTWAIT, NULL, NULL) = 211 <0.000070>)strace");
  EXPECT_EQ(c.fd_info.local, "127.0.0.1:60740");
  EXPECT_EQ(c.fd_info.peer, "127.0.0.1:38411");
  EXPECT_EQ(c.sockaddr, "");  // NULL source address
  EXPECT_EQ(c.ret, 211);
  EXPECT_EQ(transfer_of(c.name), Transfer::Read);
}

TEST(StraceReference, Ipv6EndpointsAndSockaddr) {
  StraceLog log = parse_strace(
      R"strace(3864  07:29:02.729659 connect(4<TCPv6:[369575]>, {sa_family=AF_INET6, sin6_port=htons(41791), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = -1 EINPROGRESS (Operation now in progress) <0.000258>
3864  07:29:02.732934 sendto(4<TCPv6:[[::1]:36880->[::1]:41791]>, "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"..., 37, MSG_DONTWAIT, NULL, 0) = 37 <0.000030>
)strace");
  ASSERT_EQ(log.calls.size(), 2u);
  EXPECT_EQ(log.calls[0].sockaddr, "[::1]:41791");
  EXPECT_EQ(log.calls[0].fd_info.protocol, "TCPv6");
  EXPECT_EQ(log.calls[1].fd_info.kind, FdKind::Tcp);
  EXPECT_EQ(log.calls[1].fd_info.local, "[::1]:36880");
  EXPECT_EQ(log.calls[1].fd_info.peer, "[::1]:41791");
  EXPECT_EQ(log.calls[1].ret, 37);
  EXPECT_EQ(transfer_of(log.calls[1].name), Transfer::Write);
}

TEST(StraceReference, UnixSocketConnectAndPeerInodes) {
  StraceLog log = parse_strace(
      R"strace(7375  07:33:23.420000 connect(6<UNIX-STREAM:[388118]>, {sa_family=AF_UNIX, sun_path="/tmp/sonde-demo-app/unix.sock"}, 31) = 0 <0.000723>
7375  07:33:23.421000 sendto(6<UNIX-STREAM:[388118->388123]>, "time\n", 5, MSG_DONTWAIT, NULL, 0) = 5 <0.000020>
)strace");
  ASSERT_EQ(log.calls.size(), 2u);
  EXPECT_EQ(log.calls[0].sockaddr, "/tmp/sonde-demo-app/unix.sock");
  EXPECT_EQ(log.calls[0].fd_info.kind, FdKind::Unix);
  EXPECT_EQ(log.calls[0].fd_info.protocol, "UNIX-STREAM");
  EXPECT_EQ(log.calls[1].fd_info.local, "388118");
  EXPECT_EQ(log.calls[1].fd_info.peer, "388123");
  EXPECT_EQ(log.calls[1].fd_info.path, "");
}

TEST(StraceReference, AcceptOnANamedUnixSocketReturnsTheConnectionWithItsPath) {
  SyscallRecord c = only_call(
      R"strace(8021  07:34:29.961258 accept(6<UNIX-STREAM:[385977,"/tmp/kio/we<ird>/s.sock"]>, {sa_family=AF_UNIX}, [128 => 2]) = 8<UNIX-STREAM:[385989->385982,"/tmp/kio/we<ird>/s.sock"]> <0.000018>)strace");
  EXPECT_EQ(c.fd, 6);
  EXPECT_EQ(c.fd_info.local, "385977");
  EXPECT_EQ(c.fd_info.path, "/tmp/kio/we<ird>/s.sock");
  EXPECT_EQ(c.sockaddr, "");  // an unnamed peer
  EXPECT_EQ(c.ret, 8);
  EXPECT_EQ(c.ret_fd_info.kind, FdKind::Unix);
  EXPECT_EQ(c.ret_fd_info.local, "385989");
  EXPECT_EQ(c.ret_fd_info.peer, "385982");
  EXPECT_EQ(c.ret_fd_info.path, "/tmp/kio/we<ird>/s.sock");
  EXPECT_DOUBLE_EQ(c.duration_s, 0.000018);
}

TEST(StraceReference, AbstractUnixAddresses) {
  StraceLog log = parse_strace(
      R"strace(8968  07:38:04.287374 bind(3<UNIX-STREAM:[397073]>, {sa_family=AF_UNIX, sun_path=@"sonde-abstract"}, 17) = 0 <0.000081>
8968  07:38:04.287555 listen(3<UNIX-STREAM:[397073,@"sonde-abstract"]>, 0) = 0 <0.000058>
)strace");
  ASSERT_EQ(log.calls.size(), 2u);
  EXPECT_EQ(log.calls[0].sockaddr, "@sonde-abstract");
  EXPECT_EQ(log.calls[1].fd_info.path, "@sonde-abstract");
  EXPECT_EQ(log.calls[1].fd_info.local, "397073");
}

// php-fpm's three workers block in accept at once: -f splits each call, and
// they resume in another order than they started.
TEST(StraceReference, InterleavedUnfinishedCallsAreJoinedPerPidInStartOrder) {
  StraceLog log = parse_strace(
      R"strace(7375  07:33:22.761374 accept(14<UNIX-STREAM:[385565,"/tmp/sonde-demo-app/fpm.sock"]>,  <unfinished ...>
7374  07:33:22.761753 accept(12<UNIX-STREAM:[385565,"/tmp/sonde-demo-app/fpm.sock"]>,  <unfinished ...>
7373  07:33:22.762010 accept(11<UNIX-STREAM:[385565,"/tmp/sonde-demo-app/fpm.sock"]>,  <unfinished ...>
7375  07:33:23.351177 <... accept resumed>{sa_family=AF_UNIX}, [112 => 2]) = 5<UNIX-STREAM:[385687->388009,"/tmp/sonde-demo-app/fpm.sock"]> <0.589434>
7375  07:33:23.351300 read(5<UNIX-STREAM:[385687->388009,"/tmp/sonde-demo-app/fpm.sock"]>, "\1\1\0\1\0\10\0\0", 8) = 8 <0.000017>
7374  07:33:23.487210 <... accept resumed>{sa_family=AF_UNIX}, [112 => 2]) = 5<UNIX-STREAM:[385688->388129,"/tmp/sonde-demo-app/fpm.sock"]> <0.725422>
)strace");
  EXPECT_TRUE(log.unparsed.empty());
  ASSERT_EQ(log.calls.size(), 4u);
  EXPECT_EQ(log.calls[0].pid, 7375);
  EXPECT_EQ(log.calls[0].fd, 14);
  EXPECT_EQ(log.calls[0].args, R"(14<UNIX-STREAM:[385565,"/tmp/sonde-demo-app/fpm.sock"]>, {sa_family=AF_UNIX}, [112 => 2])");
  EXPECT_EQ(log.calls[0].ret_fd_info.local, "385687");
  EXPECT_DOUBLE_EQ(log.calls[0].duration_s, 0.589434);
  EXPECT_DOUBLE_EQ(log.calls[0].start_s, 7 * 3600 + 33 * 60 + 22.761374);  // when it started
  EXPECT_EQ(log.calls[1].pid, 7374);
  EXPECT_EQ(log.calls[1].ret_fd_info.local, "385688");
  EXPECT_DOUBLE_EQ(log.calls[1].duration_s, 0.725422);
  EXPECT_EQ(log.calls[2].pid, 7373);  // never resumed before the log ends
  EXPECT_FALSE(log.calls[2].returned);
  EXPECT_EQ(log.calls[3].name, "read");
  EXPECT_EQ(log.calls[3].ret, 8);
}

TEST(StraceReference, SplitCallWithArgumentsOnBothSides) {
  StraceLog log = parse_strace(
      R"strace(8133  07:34:44.244191 mmap(NULL, 27028, PROT_READ, MAP_SHARED, 3</usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache>, 0 <unfinished ...>
8132  07:34:44.244741 dup2(11</tmp/bash_jobs.0/bda15c92bda4/stdout>, 1</dev/null<char 1:3>> <unfinished ...>
8133  07:34:44.244241 <... mmap resumed>) = 0x7f0507afb000 <0.000034>
8132  07:34:44.244846 <... dup2 resumed>) = 1</tmp/bash_jobs.0/bda15c92bda4/stdout> <0.000077>
)strace");
  ASSERT_EQ(log.calls.size(), 2u);
  EXPECT_EQ(log.calls[0].name, "mmap");
  EXPECT_EQ(log.calls[0].fd, -1);  // its fd is the fifth argument
  EXPECT_EQ(log.calls[0].ret, 0x7f0507afb000);
  EXPECT_EQ(log.calls[1].name, "dup2");
  EXPECT_EQ(log.calls[1].fd, 11);
  EXPECT_EQ(log.calls[1].ret, 1);
  EXPECT_EQ(log.calls[1].ret_fd_info.path, "/tmp/bash_jobs.0/bda15c92bda4/stdout");
}

TEST(StraceReference, BracketedPidPrefixAndEpochTimestamps) {
  StraceLog log = parse_strace(
      R"strace([pid  8955] 1795333083.964438 openat(AT_FDCWD</tmp/kio>, "/dev/null", O_WRONLY|O_CREAT|O_TRUNC, 0666 <unfinished ...>
[pid  8954] 1795333083.964515 newfstatat(AT_FDCWD</tmp/kio>, "/root/.cargo/bin/cat",  <unfinished ...>
[pid  8955] 1795333083.964574 <... openat resumed>) = 3</dev/null<char 1:3>> <0.000086>
[pid  8954] 1795333083.964597 <... newfstatat resumed>0x7ffd7f58b5c0, 0) = -1 ENOENT (No such file or directory) <0.000059>
)strace");
  EXPECT_TRUE(log.unparsed.empty());
  ASSERT_EQ(log.calls.size(), 2u);
  EXPECT_EQ(log.calls[0].pid, 8955);
  EXPECT_DOUBLE_EQ(log.calls[0].start_s, 1795333083.964438);
  EXPECT_EQ(log.calls[0].ret_fd_info.kind, FdKind::Device);
  EXPECT_EQ(log.calls[0].ret_fd_info.path, "/dev/null");
  EXPECT_EQ(log.calls[1].pid, 8954);
  EXPECT_EQ(log.calls[1].error, "ENOENT");
  EXPECT_EQ(log.calls[1].args, R"(AT_FDCWD</tmp/kio>, "/root/.cargo/bin/cat", 0x7ffd7f58b5c0, 0)");
}

// A path holding ") = ", a quote, a newline, '<' and '>' (printed as \74, \76)
// and "->": the scanner must not end the call inside the annotation.
TEST(StraceReference, HostileFileNamesInAnnotations) {
  StraceLog log = parse_strace(
      R"strace(8021  07:34:29.947233 close(4</tmp/kio/we\74ird\76/a) = 5\"x\n.txt>) = 0 <0.000015>
8021  07:34:29.947487 write(4</tmp/kio/we\74ird\76/sp ace[1]-\76b.txt>, "hi", 2) = 2 <0.000030>
)strace");
  EXPECT_TRUE(log.unparsed.empty());
  ASSERT_EQ(log.calls.size(), 2u);
  EXPECT_EQ(log.calls[0].fd_info.path, "/tmp/kio/we<ird>/a) = 5\"x\n.txt");
  EXPECT_EQ(log.calls[0].ret, 0);
  EXPECT_DOUBLE_EQ(log.calls[0].duration_s, 0.000015);
  EXPECT_EQ(log.calls[1].fd_info.path, "/tmp/kio/we<ird>/sp ace[1]->b.txt");
  EXPECT_EQ(log.calls[1].ret, 2);
}

TEST(StraceReference, PipesUdpDevicesAndDeletedFiles) {
  StraceLog log = parse_strace(
      R"strace(8106  07:34:40.782720 read(0<pipe:[386040]>, "", 8192) = 0 <2.841810>
8021  07:34:29.960402 sendto(5<UDP:[127.0.0.1:34102->127.0.0.1:36306]>, "abc", 3, MSG_DONTWAIT, NULL, 0) = 3 <0.000039>
8021  07:34:29.962040 read(9</dev/null<char 1:3>>, "", 8192) = 0 <0.000014>
8962  07:38:04.125114 write(3</tmp/kio/del.txt>(deleted), "abc", 3) = 3 <0.000110>
)strace");
  ASSERT_EQ(log.calls.size(), 4u);
  EXPECT_EQ(log.calls[0].fd_info.kind, FdKind::Pipe);
  EXPECT_EQ(log.calls[0].fd_info.local, "386040");
  EXPECT_DOUBLE_EQ(log.calls[0].duration_s, 2.841810);
  EXPECT_EQ(log.calls[1].fd_info.kind, FdKind::Udp);
  EXPECT_EQ(log.calls[1].fd_info.peer, "127.0.0.1:36306");
  EXPECT_EQ(log.calls[2].fd_info.kind, FdKind::Device);
  EXPECT_EQ(log.calls[2].fd_info.path, "/dev/null");
  EXPECT_EQ(log.calls[2].fd_info.raw, "/dev/null<char 1:3>");
  EXPECT_EQ(log.calls[3].fd_info.kind, FdKind::File);
  EXPECT_EQ(log.calls[3].fd_info.path, "/tmp/kio/del.txt");
  EXPECT_TRUE(log.calls[3].fd_info.deleted);
  EXPECT_EQ(log.calls[3].ret, 3);
}

TEST(StraceReference, ReturnValuesWithCommentsHexAndNoValue) {
  StraceLog log = parse_strace(
      R"strace(3864  07:29:02.715973 fcntl(4<TCP:[369569]>, F_GETFL) = 0x2 (flags O_RDWR) <0.000016>
3864  07:29:02.720127 poll([{fd=4<TCP:[127.0.0.1:60740->127.0.0.1:38411]>, events=POLLIN|POLLOUT|POLLERR|POLLHUP}], 1, 5000) = 1 ([{fd=4, revents=POLLOUT}]) <0.000018>
8133  07:34:44.275167 exit_group(0)     = ?
8022  07:34:29.951892 execve("/bin/sh", ["sh", "-c", "true"], 0x5577b81beeb0 /* 41 vars */ <unfinished ...>
8022  07:34:29.953391 <... execve resumed>) = 0 <0.001424>
)strace");
  EXPECT_TRUE(log.unparsed.empty());
  ASSERT_EQ(log.calls.size(), 4u);
  EXPECT_EQ(log.calls[0].ret, 2);
  EXPECT_EQ(log.calls[0].error, "");
  EXPECT_EQ(log.calls[1].fd, -1);  // the first argument is poll's array
  EXPECT_EQ(log.calls[1].ret, 1);
  EXPECT_DOUBLE_EQ(log.calls[1].duration_s, 0.000018);
  EXPECT_EQ(log.calls[2].name, "exit_group");
  EXPECT_FALSE(log.calls[2].returned);
  EXPECT_EQ(log.calls[2].duration_s, -1);
  EXPECT_EQ(log.calls[3].name, "execve");
  EXPECT_EQ(log.calls[3].ret, 0);
}

TEST(StraceReference, KilledOrDetachedMidCallHasNoReturnValue) {
  StraceLog log = parse_strace(
      R"strace(8325  07:35:20.974316 read(0<pipe:[392335]>,  <unfinished ...>) = ?
8325  07:35:22.407662 +++ killed by SIGKILL +++
7373  07:33:24.215319 accept(11<UNIX-STREAM:[385565,"/tmp/sonde-demo-app/fpm.sock"]>,  <detached ...>
)strace");
  EXPECT_TRUE(log.unparsed.empty());
  ASSERT_EQ(log.calls.size(), 2u);
  EXPECT_EQ(log.calls[0].name, "read");
  EXPECT_EQ(log.calls[0].fd, 0);
  EXPECT_FALSE(log.calls[0].returned);
  EXPECT_EQ(log.calls[1].name, "accept");
  EXPECT_FALSE(log.calls[1].returned);
}

TEST(StraceReference, SignalsAndExitsAreSkippedAndGarbageIsReported) {
  StraceLog log = parse_strace(
      R"strace(4063  07:29:24.466326 --- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=4059, si_uid=0} ---
3864  07:29:02.752533 +++ exited with 0 +++
this is not strace output
7375  07:33:23.351177 <... accept resumed>{sa_family=AF_UNIX}, [112 => 2]) = 5 <0.1>
3864  07:29:02.711222 close(4</tmp/kio/known_io.txt>
)strace");
  EXPECT_TRUE(log.calls.empty());
  ASSERT_EQ(log.unparsed.size(), 3u);
  EXPECT_EQ(log.unparsed[0], "this is not strace output");
  EXPECT_NE(log.unparsed[1].find("resumed"), std::string::npos);  // nothing pending for 7375
  EXPECT_NE(log.unparsed[2].find("close("), std::string::npos);   // cut off mid-call
}

TEST(StraceReference, AnnotationKinds) {
  EXPECT_EQ(parse_fd_annotation("anon_inode:[eventfd]").kind, FdKind::AnonInode);
  EXPECT_EQ(parse_fd_annotation("anon_inode:[eventfd]").path, "eventfd");
  EXPECT_EQ(parse_fd_annotation("anon_inode:bpf-map").path, "bpf-map");
  EXPECT_EQ(parse_fd_annotation("NETLINK:[12345]").kind, FdKind::OtherSocket);
  EXPECT_EQ(parse_fd_annotation("TCP:[127.0.0.1:47180]").local, "127.0.0.1:47180");  // listening
  EXPECT_EQ(parse_fd_annotation("TCP:[127.0.0.1:47180]").peer, "");
  EXPECT_EQ(parse_fd_annotation("something else").kind, FdKind::Other);
  EXPECT_STREQ(fd_kind_name(FdKind::Tcp), "tcp");
  EXPECT_STREQ(fd_kind_name(FdKind::Unix), "unix");
}

TEST(StraceReference, TransferDirections) {
  for (const char* name : {"read", "pread64", "readv", "recvfrom", "recvmsg"}) EXPECT_EQ(transfer_of(name), Transfer::Read) << name;
  for (const char* name : {"write", "pwrite64", "writev", "sendto", "sendmsg", "sendfile"})
    EXPECT_EQ(transfer_of(name), Transfer::Write) << name;
  for (const char* name : {"openat", "close", "recvmmsg", "sendmmsg", "connect"}) EXPECT_EQ(transfer_of(name), Transfer::None) << name;
}

TEST(StraceReference, CommandTracesFileNetworkAndFdCallsOfChildrenIntoTheLog) {
  std::vector<std::string> argv = strace_command("/tmp/x.log", {"php", "a.php"});
  std::vector<std::string> expected{"strace", "-f", "-ttt", "-T", "-yy", "-e", "trace=%file,%network,%desc",
                                    "-o", "/tmp/x.log", "php", "a.php"};
  EXPECT_EQ(argv, expected);
}

}  // namespace
}  // namespace sonde::e2e
