"""A small emulation of the Cisco VOS platform CLI, run by a real OpenSSH sshd as the login
user's ForceCommand (tests/vos_ssh.rs). It behaves like VOS where ai-bridge depends on it:
raw terminal with its own echo, the `admin:` prompt, both pager forms, a `Continue (y/n)?`
question, ANSI colours, a command that never finishes, and the "no valid command" answer.
"""

import os
import sys
import termios
import time
import tty

PAGER_KEYS = "Press <enter> for 1 line, <space> for one page, or <q> to quit"
PROMPT = "admin:"


def out(text):
    os.write(1, text.replace("\n", "\r\n").encode())


def read_key():
    b = os.read(0, 1)
    if not b:
        sys.exit(0)
    return b.decode(errors="replace")


def read_line():
    line = ""
    while True:
        c = read_key()
        if c in ("\r", "\n"):
            out("\n")
            return line
        if c in ("\x7f", "\x08"):
            if line:
                line = line[:-1]
                out("\b \b")
            continue
        if c == "\x03":
            out("^C\n")
            return ""
        line += c
        os.write(1, c.encode())


def pager_keys(lines, page=10):
    i = 0
    while i < len(lines):
        chunk = lines[i : i + page]
        out("\n".join(chunk) + "\n")
        i += len(chunk)
        if i >= len(lines):
            return
        out(PAGER_KEYS)
        key = read_key()
        out("\r" + " " * len(PAGER_KEYS) + "\r")
        if key == "q":
            return
        if key in ("\r", "\n"):
            page = 1
        else:
            page = 10


def pager_options(lines, page=20):
    start = 0
    while True:
        end = min(start + page, len(lines))
        out("\n".join(lines[start:end]) + "\n")
        out(f"options: q=quit, n=next, p=prev, b=begin, e=end (lines {start + 1} - {end} of {len(lines)}) :")
        key = read_key()
        out("\n")
        if key == "q":
            return
        if key == "n" and end < len(lines):
            start = end
        elif key == "e":
            start = max(0, len(lines) - page)


def run(command):
    words = command.split()
    if command == "show version active":
        out("Active Master Version: 15.0.1.12900-234\nActive Version Installed Software Options:\nNo Installed Software Options Found.\n")
    elif command == "show status":
        out("\n\x1b[1mHost Name\x1b[0m      : cucm-pub\nDate           : Thu Dec 3, 2026 10:00:00\n\x1b[32mCPU Idle\x1b[0m:   97.30%\n")
    elif command == "utils service list":
        pager_keys([f"Service {i:02d} [STARTED]" for i in range(1, 31)])
        out("Commands Executed Successfully\n")
    elif command == "file view activelog syslog/messages":
        pager_options([f"Dec  3 10:{i:02d}:00 cucm-pub syslog line {i}" for i in range(1, 46)])
    elif command == "utils system restart":
        out("\nDo you really want to restart ?\n\nEnter (yes/no)? ".replace("Enter (yes/no)? ", ""))
        out("Continue (y/n)?")
        answer = read_line().strip().lower()
        if answer == "y":
            out("Appliance is being Restarted ...\n")
        else:
            out("Restart cancelled.\n")
    elif command == "utils dbreplication runtimestate":
        out("DB and Replication Services: ALL RUNNING\nCluster Replication State: Replication status command COMPLETED\n")
    elif command == "show slow":
        out("collecting...\n")
        time.sleep(120)
    elif words and words[0] in ("exit", "quit"):
        sys.exit(0)
    elif command.strip() == "":
        pass
    else:
        out("\nExecuted command unsuccessfully\nNo valid command entered\n")


def main():
    fd = 0
    old = termios.tcgetattr(fd)
    tty.setraw(fd)
    try:
        out("\nCommand Line Interface is starting up, please wait ...\n\n   Welcome to the Platform Command Line Interface\n\n")
        while True:
            out(PROMPT + " ")
            run(read_line().strip())
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, old)


main()
