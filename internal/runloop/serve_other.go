//go:build !unix

package runloop

import (
	"os"
	"os/exec"
)

func ownProcessGroup(*exec.Cmd) {}

func signalGroup(cmd *exec.Cmd, kill bool) error {
	if kill {
		return cmd.Process.Kill()
	}
	err := cmd.Process.Signal(os.Interrupt)
	if err != nil {
		return cmd.Process.Kill()
	}
	return nil
}
