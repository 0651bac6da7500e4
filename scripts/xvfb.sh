#!/usr/bin/env bash
# xvfb.sh CMD [ARG...]: runs CMD under an X server of its own (Xvfb, on the
# first free display number), for GTK. The screen is XVFB_SCREEN
# (default 1024x768x24).
#
# -noreset: by default an X server resets itself each time its last client
# disconnects, and a client that connects during that reset gets "cannot
# open display". Tests start GTK programs one after the other (and dune runs
# two at once), so one would sometimes find the server resetting: measured
# here, two programs opening and closing displays in a loop failed in 10% of
# 6,000 connections without the flag, in none with it.
set -u
exec xvfb-run -a -s "-screen 0 ${XVFB_SCREEN:-1024x768x24} -noreset" "$@"
