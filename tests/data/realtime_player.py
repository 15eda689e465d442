"""A player for the end-to-end tests: sox "plays" the audio into a file, and the
program lasts as long as the audio, as a loudspeaker would.

    realtime_player.py SOX INPUT OUTPUT DURATION_S
"""

import subprocess
import sys
import time

sox, source, target, duration_s = sys.argv[1:5]
began = time.monotonic()
subprocess.run([sox, "-q", source, target], check=True)
time.sleep(max(0.0, float(duration_s) - (time.monotonic() - began)))
