#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# tests/e2e/rfc2217_server.py - a real RFC 2217 server for the net suite:
# pyserial's own server side (serial.rfc2217.PortManager, Debian's
# python3-serial) between a TCP port and a serial port, adapted from
# pyserial's examples/rfc2217_server.py (C) 2009-2015 Chris Liechti
# <cliechti@gmx.net>, BSD-3-Clause.
#
#   rfc2217_server.py [--port N] [--port-file FILE] SERIALPORT
#
# Changes from the example: --port 0 picks a free port and --port-file
# says which (so parallel runs never collide); ptys (the simulator's and
# QEMU's socat links) have no modem lines, so reading them gives "off" and
# setting DTR/RTS is logged and skipped instead of ending the connection;
# the PortManager's log (every SET-BAUDRATE, SET-CONTROL, option) goes to
# stderr at INFO, which is what the suite checks. One client at a time; the
# next is accepted when it goes.
import argparse
import errno
import logging
import os
import socket
import sys
import threading

import serial
import serial.rfc2217


class PtySerial(serial.Serial):
    """A serial port that may be a pty: no modem lines to read or set."""

    def _lines_ioctl(self, fn):
        try:
            fn()
        except OSError as e:
            if e.errno not in (errno.ENOTTY, errno.EINVAL):
                raise
            logging.getLogger("pty").info("no modem lines here (%s)", e.strerror)

    def _update_dtr_state(self):
        self._lines_ioctl(super()._update_dtr_state)

    def _update_rts_state(self):
        self._lines_ioctl(super()._update_rts_state)

    def _line(self, name):
        try:
            return getattr(serial.Serial, name).fget(self)
        except OSError:
            return False

    cts = property(lambda self: self._line("cts"))
    dsr = property(lambda self: self._line("dsr"))
    ri = property(lambda self: self._line("ri"))
    cd = property(lambda self: self._line("cd"))


class Redirector:
    def __init__(self, ser, sock):
        self.serial = ser
        self.socket = sock
        self.alive = True
        self._write_lock = threading.Lock()
        self.rfc2217 = serial.rfc2217.PortManager(
            ser, self, logger=logging.getLogger("rfc2217.server"))

    def shortcircuit(self):
        self.thread_read = threading.Thread(target=self.reader, daemon=True)
        self.thread_read.start()
        self.writer()

    def reader(self):
        """serial -> socket, escaping 0xFF as IAC IAC"""
        while self.alive:
            try:
                data = self.serial.read(self.serial.in_waiting or 1)
                if data:
                    data = b"".join(self.rfc2217.escape(data))
                    self.write(data)
            except (OSError, serial.SerialException) as e:
                logging.error("serial->socket: %s", e)
                break
        self.alive = False

    def write(self, data):
        """thread safe socket write; PortManager sends telnet replies here"""
        with self._write_lock:
            self.socket.sendall(data)

    def writer(self):
        """socket -> serial, through the telnet filter"""
        while self.alive:
            try:
                data = self.socket.recv(1024)
                if not data:
                    break
                data = b"".join(self.rfc2217.filter(data))
                self.serial.write(data)
            except (OSError, serial.SerialException) as e:
                logging.error("socket->serial: %s", e)
                break
        self.alive = False
        self.thread_read.join()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("SERIALPORT")
    ap.add_argument("--port", type=int, default=2217)
    ap.add_argument("--port-file")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")

    ser = PtySerial()
    ser.port = args.SERIALPORT
    ser.timeout = 0.3  # so the reader thread notices a client leaving
    ser.open()
    settings = ser.get_settings()

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", args.port))
    srv.listen(1)
    port = srv.getsockname()[1]
    logging.info("serving %s on TCP port %d", ser.name, port)
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.rename(args.port_file + ".tmp", args.port_file)
    while True:
        client, addr = srv.accept()
        logging.info("connected by %s:%d", addr[0], addr[1])
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            Redirector(ser, client).shortcircuit()
        finally:
            logging.info("disconnected")
            client.close()
            ser.apply_settings(settings)  # as the example: undo the client's settings


if __name__ == "__main__":
    main()
