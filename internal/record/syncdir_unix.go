//go:build !windows

package record

import (
	"fmt"
	"os"
)

// SyncDir makes the entries of dir (a created, renamed or removed file)
// durable by fsyncing the directory. On Windows, where a directory cannot
// be opened for flushing and NTFS journals its metadata, it does nothing.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("record: sync directory %s: %w", dir, err)
	}
	err = d.Sync()
	if err2 := d.Close(); err == nil {
		err = err2
	}
	if err != nil {
		return fmt.Errorf("record: sync directory %s: %w", dir, err)
	}
	return nil
}
