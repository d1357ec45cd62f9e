"""``python -m benchmarks.bridge [tags [seconds]]``: 10,000 tags at 1 Hz, the bridge beside a bare asyncua client."""
import sys

from benchmarks.bridge import main

if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]), *(float(a) for a in sys.argv[2:3]))
