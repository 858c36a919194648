import type { CommandRunner } from '../../src/net/command.js';

/**
 * charon's UDP sockets get the kernel's default buffers (net.core.rmem_default, 208 KiB), which hold a few
 * milliseconds of ESP at a few hundred Mbit/s: when charon's receiver thread waits for a CPU, the kernel
 * drops what arrives (UdpRcvbufErrors) and TCP inside the tunnel backs off. strongSwan 5.9 has no setting
 * for it, and net.core.rmem_default is read-only inside a network namespace, so the driver sets the size
 * on charon's own sockets: a copy of each descriptor (pidfd_getfd, which needs ptrace rights over charon)
 * and SO_RCVBUFFORCE/SO_SNDBUFFORCE on it. perl (in every Debian system) makes the two system calls.
 */
export const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

// Linux's generic numbers: pidfd_open 434, pidfd_getfd 438; SO_TYPE 3, SO_DOMAIN 39, SO_SNDBUFFORCE 32,
// SO_RCVBUFFORCE 33, SOCK_DGRAM 2, AF_INET 2, AF_INET6 10. Prints how many UDP sockets it changed.
const SCRIPT = `
use strict; use Socket qw(SOL_SOCKET);
my ($pid, $size) = @ARGV;
my $pidfd = syscall(434, $pid + 0, 0);
die "pidfd_open($pid): $!\\n" if $pidfd < 0;
opendir(my $dir, "/proc/$pid/fd") or die "/proc/$pid/fd: $!\\n";
my $changed = 0;
for my $fd (grep { /^\\d+$/ } readdir $dir) {
  my $link = readlink("/proc/$pid/fd/$fd") // next;
  next unless $link =~ /^socket:/;
  my $copy = syscall(438, $pidfd, $fd + 0, 0);
  die "pidfd_getfd($pid, $fd): $!\\n" if $copy < 0;
  open(my $fh, '+<&=', $copy) or die "fd $copy: $!\\n";
  my $type = unpack('i', getsockopt($fh, SOL_SOCKET, 3) // pack('i', -1));
  my $domain = unpack('i', getsockopt($fh, SOL_SOCKET, 39) // pack('i', -1));
  if ($type == 2 && ($domain == 2 || $domain == 10)) {
    setsockopt($fh, SOL_SOCKET, 33, pack('i', $size)) or die "SO_RCVBUFFORCE: $!\\n";
    setsockopt($fh, SOL_SOCKET, 32, pack('i', $size)) or die "SO_SNDBUFFORCE: $!\\n";
    $changed++;
  }
  close($fh);
}
print "$changed\\n";
`;

/** Sets the receive and send buffers of every UDP socket of process `pid` to `bytes`; returns how many it changed. */
export async function raiseUdpBuffers(runner: CommandRunner, pid: number, bytes = SOCKET_BUFFER_BYTES): Promise<number> {
  const res = await runner.run('perl', ['-e', SCRIPT, String(pid), String(bytes)], { timeoutMs: 10_000 });
  return Number(res.stdout.trim());
}
