"""A player for the tests: sox "plays" the audio into a file, and the program lasts as
long as the audio itself (not its slot), as a loudspeaker would.

    realtime_player.py SOX INPUT OUTPUT
"""

import subprocess
import sys
import time

sox, source, target = sys.argv[1:4]
began = time.monotonic()
length_s = float(subprocess.run([sox, "--i", "-D", source], capture_output=True, text=True).stdout)
subprocess.run([sox, "-q", source, target], check=True)
time.sleep(max(0.0, length_s - (time.monotonic() - began)))
