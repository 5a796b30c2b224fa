#!/usr/bin/python3
# smoke-test.py
#
# SPDX-License-Identifier: GPL-3.0-or-later
"""Launches the real troupe-app on a workflow under X, waits until its
window is mapped, screenshots the screen with xwd, checks that the window
is there and shows the graph (many distinct colours, the agents' colours
among them), saves the window as a PNG, and ends the app with SIGTERM.

Usage: smoke-test.py --xwd XWD --xwininfo XWININFO --xprop XPROP
                     TROUPE_APP WORKFLOW OUT_PNG

It uses $DISPLAY when that is a 24-bit X server (xvfb-run gives one), else
it starts its own Xvfb. Run it on a private session bus (dbus-run-session),
as tests/app/meson.build does, so that the app does not find another
instance of itself. Output is TAP."""

import argparse
import collections
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import time
import zlib

# How long the app may take to show its window and draw the graph; a
# slow machine under ASan needs a while, and a hung app is caught anyway.
TIMEOUT = 60.0
POLL = 0.1

# The agents' colours in examples/architect-engineer-qa.yaml: the cards
# draw them as stripes, so they are on screen only if the graph is.
AGENT_COLOURS = {
    "architect": (0x35, 0x84, 0xE4),
    "engineer": (0x33, 0xD1, 0x7A),
    "qa": (0xE6, 0x61, 0x00),
}
# Text, borders, icons and anti-aliasing give a drawn window hundreds of
# colours; a blank or half-drawn one has a handful.
MIN_COLOURS = 64
MIN_AGENT_PIXELS = 100

tests_run = 0


def tap(ok, description, diagnostics=""):
    global tests_run
    tests_run += 1
    print(("ok" if ok else "not ok"), tests_run, "-", description, flush=True)
    for line in diagnostics.splitlines():
        print("#", line, flush=True)
    return ok


def bail(message):
    print("Bail out!", message, flush=True)
    sys.exit(1)


def wait_until(condition, what, process=None, timeout=TIMEOUT):
    """Polls @condition until it returns something true; fails after
    @timeout seconds or as soon as @process has exited."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if process is not None and process.poll() is not None:
            bail(f"troupe-app exited with status {process.returncode} while waiting for {what}")
        if time.monotonic() > deadline:
            bail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(POLL)


def root_depth(xwininfo, env):
    try:
        out = subprocess.run([xwininfo, "-root"], env=env, capture_output=True,
                             text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return 0
    m = re.search(r"Depth:\s+(\d+)", out)
    return int(m.group(1)) if m else 0


def start_xvfb(env):
    """Starts Xvfb on a free display; returns the process and the display."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        bail("no usable X display and no Xvfb: install xvfb (Debian: apt install xvfb)")
    read_fd, write_fd = os.pipe()
    process = subprocess.Popen([xvfb, "-displayfd", str(write_fd), "-screen", "0", "1280x1024x24",
                                "-nolisten", "tcp"], pass_fds=(write_fd,), env=env)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    if not number:
        process.kill()
        bail("Xvfb did not start")
    return process, ":" + number


def find_window(tools, env, title, pid):
    """The id of the viewable top-level window named @title that process
    @pid shows (GTK sets _NET_WM_PID), or None."""
    out = subprocess.run([tools.xwininfo, "-root", "-tree"], env=env, capture_output=True,
                         text=True, timeout=10).stdout
    for line in out.splitlines():
        m = re.match(r'\s*(0x[0-9a-f]+) "([^"]*)"', line)
        if not m or m.group(2) != title:
            continue
        owner = subprocess.run([tools.xprop, "-id", m.group(1), "_NET_WM_PID"], env=env,
                               capture_output=True, text=True, timeout=10).stdout
        if owner.strip() != f"_NET_WM_PID(CARDINAL) = {pid}":
            continue
        if window_info(tools.xwininfo, env, m.group(1)).get("Map State") == "IsViewable":
            return m.group(1)
    return None


def window_info(xwininfo, env, window):
    out = subprocess.run([xwininfo, "-id", window], env=env, capture_output=True,
                         text=True, timeout=10).stdout
    info = {}
    for line in out.splitlines():
        key, sep, value = line.strip().partition(":")
        if sep:
            info[key.strip()] = value.strip()
    return info


class Screenshot:
    """An XWD file (X11/XWDFile.h): a header of 25 big-endian CARD32s, the
    window name, the colour map, then the image in the server's layout."""

    FIELDS = ("header_size file_version pixmap_format pixmap_depth pixmap_width "
              "pixmap_height xoffset byte_order bitmap_unit bitmap_bit_order "
              "bitmap_pad bits_per_pixel bytes_per_line visual_class red_mask "
              "green_mask blue_mask bits_per_rgb colormap_entries ncolors "
              "window_width window_height window_x window_y window_bdrwidth").split()

    def __init__(self, data):
        header = dict(zip(self.FIELDS, struct.unpack(">25I", data[:100])))
        if header["file_version"] != 7:
            raise ValueError(f"not an XWD version 7 file (version {header['file_version']})")
        if header["pixmap_format"] != 2 or header["bits_per_pixel"] not in (24, 32):
            raise ValueError("only ZPixmap images of 24 or 32 bits per pixel are read "
                             f"(format {header['pixmap_format']}, {header['bits_per_pixel']} bits)")
        self.width = header["pixmap_width"]
        self.height = header["pixmap_height"]
        self.stride = header["bytes_per_line"]
        self.bpp = header["bits_per_pixel"] // 8
        self.big_endian = header["byte_order"] == 1
        self.masks = (header["red_mask"], header["green_mask"], header["blue_mask"])
        start = header["header_size"] + 12 * header["ncolors"]
        self.pixels = data[start:start + self.stride * self.height]
        if len(self.pixels) < self.stride * self.height:
            raise ValueError("the XWD file is cut short")

    def rgb_rows(self, x, y, width, height):
        """The rectangle as rows of R, G, B bytes."""
        x = max(0, x)
        y = max(0, y)
        width = min(width, self.width - x)
        height = min(height, self.height - y)
        shifts = [(m & -m).bit_length() - 1 for m in self.masks]
        byte_of = None
        if all(m >> s == 0xFF for m, s in zip(self.masks, shifts)) and all(s % 8 == 0 for s in shifts):
            # Each channel is a whole byte: slice, no per-pixel work.
            byte_of = [s // 8 if not self.big_endian else self.bpp - 1 - s // 8 for s in shifts]
        rows = []
        for row in range(y, y + height):
            begin = row * self.stride + x * self.bpp
            line = self.pixels[begin:begin + width * self.bpp]
            out = bytearray(width * 3)
            if byte_of is not None:
                for channel in range(3):
                    out[channel::3] = line[byte_of[channel]::self.bpp]
            else:
                order = "big" if self.big_endian else "little"
                for i in range(width):
                    value = int.from_bytes(line[i * self.bpp:(i + 1) * self.bpp], order)
                    for channel in range(3):
                        mask, shift = self.masks[channel], shifts[channel]
                        top = mask >> shift
                        out[i * 3 + channel] = ((value & mask) >> shift) * 255 // top
            rows.append(bytes(out))
        return rows


    def colours(self, x, y, width, height):
        """How many pixels of the rectangle have each (R, G, B) colour."""
        x = max(0, x)
        y = max(0, y)
        width = min(width, self.width - x)
        height = min(height, self.height - y)
        order = "big" if self.big_endian else "little"
        values = collections.Counter()
        for row in range(y, y + height):
            begin = row * self.stride + x * self.bpp
            line = self.pixels[begin:begin + width * self.bpp]
            if self.bpp == 4:
                # Counted in C; the byte order is fixed below, per colour.
                values.update(memoryview(line).cast("I"))
            else:
                values.update(int.from_bytes(line[i:i + 3], order) for i in range(0, len(line), 3))
        shifts = [(m & -m).bit_length() - 1 for m in self.masks]
        colours = collections.Counter()
        for value, n in values.items():
            if self.bpp == 4:
                value = int.from_bytes(value.to_bytes(4, sys.byteorder), order)
            colours[tuple(((value & m) >> s) * 255 // (m >> s)
                          for m, s in zip(self.masks, shifts))] += n
        return colours


def write_png(path, rows):
    width = len(rows[0]) // 3
    raw = b"".join(b"\x00" + row for row in rows)

    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, len(rows), 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        f.write(chunk(b"IEND", b""))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--xwd", default="xwd")
    parser.add_argument("--xwininfo", default="xwininfo")
    parser.add_argument("--xprop", default="xprop")
    parser.add_argument("app")
    parser.add_argument("workflow")
    parser.add_argument("png")
    args = parser.parse_args()

    print("1..4", flush=True)
    env = dict(os.environ)
    xvfb = None
    if not env.get("DISPLAY") or root_depth(args.xwininfo, env) < 24:
        xvfb, env["DISPLAY"] = start_xvfb(env)
        print("# started Xvfb on", env["DISPLAY"], flush=True)
    else:
        print("# using the display", env["DISPLAY"], flush=True)

    # X11 and cairo: what Xvfb can show, with no GL driver loaded.
    env.update({"GDK_BACKEND": "x11", "GSK_RENDERER": "cairo", "GDK_DEBUG": "gl-disable",
                "NO_AT_BRIDGE": "1", "GTK_A11Y": "none"})
    title = os.path.basename(args.workflow)
    app = subprocess.Popen([args.app, args.workflow], env=env)
    try:
        start = time.monotonic()
        window = wait_until(lambda: find_window(args, env, title, app.pid),
                            f'a window named "{title}"', app)
        mapped = time.monotonic() - start
        tap(True, f"the window is mapped ({window}, after {mapped:.2f} s)")

        info = window_info(args.xwininfo, env, window)
        x = int(info["Absolute upper-left X"])
        y = int(info["Absolute upper-left Y"])
        width = int(info["Width"])
        height = int(info["Height"])
        print(f"# window {width}x{height}+{x}+{y}", flush=True)

        # The first frames may come after the window is mapped: take
        # screenshots until the graph is drawn.
        state = {}

        def drawn():
            grab = subprocess.run([args.xwd, "-root", "-silent"], env=env, capture_output=True,
                                  timeout=30)
            if grab.returncode != 0:
                state["xwd_error"] = grab.stderr.decode(errors="replace")
                return False
            shot = Screenshot(grab.stdout)
            colours = shot.colours(x, y, width, height)
            agents = {name: colours.get(rgb, 0) for name, rgb in AGENT_COLOURS.items()}
            state.update(shot=shot, colours=colours, agents=agents)
            return (len(colours) >= MIN_COLOURS
                    and all(n >= MIN_AGENT_PIXELS for n in agents.values()))

        deadline = time.monotonic() + TIMEOUT
        while not drawn() and time.monotonic() < deadline and app.poll() is None:
            time.sleep(POLL)
        drawn_after = time.monotonic() - start
        if "shot" not in state:
            bail("xwd could not take a screenshot: " + state.get("xwd_error", "no reason given"))

        write_png(args.png, state["shot"].rgb_rows(x, y, width, height))
        print("# screenshot:", args.png, flush=True)
        tap(len(state["colours"]) >= MIN_COLOURS,
            f"the window is not blank ({len(state['colours'])} distinct colours, "
            f"at least {MIN_COLOURS} wanted; drawn {drawn_after:.2f} s after launch)")
        tap(all(n >= MIN_AGENT_PIXELS for n in state["agents"].values()),
            "the cards show every agent's colour",
            "\n".join(f"{name}: {n} pixels" for name, n in state["agents"].items()))

        app.send_signal(signal.SIGTERM)
        try:
            status = app.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            app.kill()
            status = app.wait()
            tap(False, "troupe-app ends on SIGTERM", "it did not end; killed it")
        else:
            # No handler: the signal ends the process, which is the point
            # (a crash would show as SIGSEGV or SIGABRT instead).
            tap(status in (0, -signal.SIGTERM), "troupe-app ends on SIGTERM",
                f"exit status {status}")
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait()

    return 0


if __name__ == "__main__":
    sys.exit(main())
