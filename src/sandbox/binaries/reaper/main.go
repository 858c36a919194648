// ksub-reaper runs a command as its child and adopts what is orphaned below it (PR_SET_CHILD_SUBREAPER), as a
// container runtime's shim does: a runc container started detached (`runc run -d`) becomes its child when runc
// exits, and its exit status is reported rather than lost.
//
//	ksub-reaper COMMAND [ARG...]
//
// The command gets the read end of a pipe as file descriptor 3 (and KSUB_REAPER_FD=3 in its environment). On it,
// each adopted process that ends is reported in one line: "<pid> exit <code>" or "<pid> signal <number>".
// SIGTERM, SIGINT and SIGHUP are passed on to the command, and ksub-reaper exits as the command does. Should
// ksub-reaper itself be killed, the kernel kills the command too (PR_SET_PDEATHSIG): the two end as one.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"syscall"
)

const prSetChildSubreaper = 36

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: ksub-reaper COMMAND [ARG...]")
		os.Exit(2)
	}
	// The parent-death signal follows the thread that started the command: this one, for good.
	runtime.LockOSThread()
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		fail("cannot become a child subreaper: %v", errno)
	}
	reports, report, err := os.Pipe()
	if err != nil {
		fail("cannot make the report pipe: %v", err)
	}
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	path, err := exec.LookPath(os.Args[1])
	if err != nil {
		fail("%v", err)
	}
	command, err := os.StartProcess(path, os.Args[1:], &os.ProcAttr{
		Env:   append(os.Environ(), "KSUB_REAPER_FD=3"),
		Files: []*os.File{os.Stdin, os.Stdout, os.Stderr, reports},
		Sys:   &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL},
	})
	if err != nil {
		fail("cannot start %s: %v", os.Args[1], err)
	}
	reports.Close()
	go func() {
		for s := range signals {
			_ = command.Signal(s)
		}
	}()
	for {
		var status syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &status, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			fail("wait: %v", err)
		}
		if pid == command.Pid {
			if status.Signaled() {
				os.Exit(128 + int(status.Signal()))
			}
			os.Exit(status.ExitStatus())
		}
		if status.Signaled() {
			fmt.Fprintf(report, "%d signal %d\n", pid, int(status.Signal()))
		} else {
			fmt.Fprintf(report, "%d exit %d\n", pid, status.ExitStatus())
		}
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "ksub-reaper: "+format+"\n", args...)
	os.Exit(1)
}
