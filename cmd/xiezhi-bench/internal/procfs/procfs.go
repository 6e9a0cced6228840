// Package procfs reads what xiezhi-bench measures of processes and of the
// machine from Linux's /proc: a process's memory (VmRSS, VmHWM, RssAnon,
// RssFile of /proc/<pid>/status), its CPU time (/proc/<pid>/stat), the
// machine's CPU time (/proc/stat), its memory (/proc/meminfo) and mounts.
// Each reader has a parser of the file's text, tested on its own.
package procfs

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ClockTick is USER_HZ: the unit of the CPU times in /proc on Linux (1/100 s).
const ClockTick = 100

// Status reads the "kB" fields of /proc/<pid>/status (VmRSS, VmHWM, RssAnon,
// RssFile, ...), in KiB.
func Status(pid int) (map[string]int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseStatus(f)
}

// ParseStatus reads the fields of a /proc/<pid>/status text whose value is
// in kB; the others are left out.
func ParseStatus(r io.Reader) (map[string]int64, error) {
	out := map[string]int64{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if v, isKB := strings.CutSuffix(strings.TrimSpace(v), " kB"); ok && isKB {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				out[k] = n
			}
		}
	}
	return out, sc.Err()
}

// StatusKB reads one "kB" field of /proc/<pid>/status.
func StatusKB(pid int, key string) (int64, error) {
	st, err := Status(pid)
	if err != nil {
		return 0, err
	}
	v, ok := st[key]
	if !ok {
		return 0, fmt.Errorf("/proc/%d/status has no %s", pid, key)
	}
	return v, nil
}

// Ticks returns the CPU time (utime+stime) of a process in clock ticks.
func Ticks(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return ParseTicks(b)
}

// ParseTicks returns utime+stime of a /proc/<pid>/stat text. The command
// name in parentheses may hold spaces and parentheses itself, so the fields
// are counted from the last ')'.
func ParseTicks(stat []byte) (uint64, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("bad /proc stat: no ')'")
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	u, err1 := strconv.ParseUint(f[11], 10, 64)
	s, err2 := strconv.ParseUint(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return u + s, nil
}

// MachineTicks sums the cpu line of /proc/stat into busy, iowait and idle
// clock ticks of all cores (zeros when it cannot be read).
func MachineTicks() (busy, iowait, idle uint64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return ParseMachineTicks(line)
}

// ParseMachineTicks sums the "cpu" line of /proc/stat: idle and steal (time
// this VM could not run) are idle, iowait is its own, guest time is left
// out (it is already in user), the rest is busy.
func ParseMachineTicks(line string) (busy, iowait, idle uint64) {
	f := strings.Fields(line)
	if len(f) < 2 {
		return 0, 0, 0
	}
	for i, v := range f[1:] {
		n, _ := strconv.ParseUint(v, 10, 64)
		switch i {
		case 3, 7:
			idle += n
		case 4:
			iowait += n
		case 8, 9:
		default:
			busy += n
		}
	}
	return busy, iowait, idle
}

// FindProcess returns the pid of a process named comm whose command line
// contains arg (any, when empty), or 0.
func FindProcess(comm, arg string) int {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		c, err := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		if err != nil || strings.TrimSpace(string(c)) != comm {
			continue
		}
		if arg != "" {
			cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
			if !bytes.Contains(cmdline, []byte(arg)) {
				continue
			}
		}
		return pid
	}
	return 0
}

// MeminfoKB reads one field of /proc/meminfo, in KiB.
func MeminfoKB(key string) (int64, error) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && k == key {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /proc/meminfo", key)
}

// MountOf names the device and file system a path is on ("unknown" when
// /proc/mounts cannot be read).
func MountOf(path string) string {
	b, err := os.ReadFile("/proc/mounts")
	if err != nil || path == "" {
		return "unknown"
	}
	return MountIn(string(b), path)
}

// MountIn finds the mount of path in a /proc/mounts text: the longest
// mount point that is path or one of its parents.
func MountIn(mounts, path string) string {
	best, desc := "", "unknown"
	for _, l := range strings.Split(mounts, "\n") {
		f := strings.Fields(l)
		if len(f) < 3 {
			continue
		}
		mp := f[1]
		if (path == mp || strings.HasPrefix(path, strings.TrimSuffix(mp, "/")+"/")) && len(mp) > len(best) {
			best, desc = mp, fmt.Sprintf("%s (%s, mounted on %s)", f[0], f[2], mp)
		}
	}
	return desc
}
