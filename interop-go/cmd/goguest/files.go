package main

// Guest.Write, Guest.Mkdir and Guest.Mount.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"boxpark.dev/interop-go/contract"
)

// Magic numbers (statfs(2) f_type) of the kernel's interface filesystems,
// whose files stat as regular files but cannot be replaced by a rename.
const (
	procMagic    = 0x9fa0
	sysfsMagic   = 0x62656572
	cgroupMagic  = 0x27e0eb
	cgroup2Magic = 0x63677270
)

// writeFile is Guest.Write: a regular file, or a missing one, is replaced
// atomically; any other existing file (a FIFO, a device, a file under
// /proc/sys) is written in place.
func writeFile(req contract.WriteRequest) error {
	mode := os.FileMode(req.Mode).Perm()
	if mode == 0 {
		mode = 0o644
	}
	fi, err := os.Stat(req.Path)
	switch {
	case err == nil && fi.IsDir():
		return &fs.PathError{Op: "open", Path: req.Path, Err: syscall.EISDIR}
	case err == nil && (!fi.Mode().IsRegular() || onKernelFS(req.Path)):
		return writeInPlace(req.Path, req.Data)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return err
	}
	return replaceFile(req.Path, req.Data, mode)
}

// replaceFile writes data to a temporary file beside path, gives it mode,
// syncs it and renames it over path: readers see the old contents or the
// new, never a part.
func replaceFile(path string, data []byte, mode os.FileMode) (err error) {
	dir, name := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+name+".*")
	if err != nil {
		// Name the file asked for, as os.WriteFile would.
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = &fs.PathError{Op: "open", Path: path, Err: pe.Err}
		}
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	// Chmod, not the umask-filtered mode of the create: the mode is exact.
	if err = f.Chmod(mode); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	// The rename itself is durable once the directory is synced.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// writeInPlace truncates and writes an existing file that is not replaced.
func writeInPlace(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// onKernelFS reports whether path is on procfs, sysfs or a cgroup
// filesystem.
func onKernelFS(path string) bool {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return false
	}
	switch st.Type {
	case procMagic, sysfsMagic, cgroupMagic, cgroup2Magic:
		return true
	}
	return false
}

// mkdir is Guest.Mkdir: os.MkdirAll, 0755 when Mode is 0.
func mkdir(req contract.MkdirRequest) error {
	mode := os.FileMode(req.Mode).Perm()
	if mode == 0 {
		mode = 0o755
	}
	return os.MkdirAll(req.Path, mode)
}

// mount is Guest.Mount: mount(2), on a target that must exist.
func mount(req contract.MountRequest) error {
	if _, err := os.Stat(req.Target); err != nil {
		return fmt.Errorf("mount %s on %s: %w", req.Source, req.Target, err)
	}
	if err := syscall.Mount(req.Source, req.Target, req.FSType, uintptr(req.Flags), req.Data); err != nil {
		return fmt.Errorf("mount %s on %s: %w", req.Source, req.Target, err)
	}
	return nil
}
