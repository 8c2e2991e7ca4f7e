# Runs wstest (Python 2.7, inside the venv that scripts/autobahn.sh makes) with every listening
# socket bound to 127.0.0.1: wstest's fuzzingserver listens on all interfaces by default, and
# test traffic must stay on loopback.
import autobahntestsuite.choosereactor  # noqa: installs the reactor; must come first
import autobahntestsuite.fuzzing as fuzzing
from autobahn.twisted import websocket

_listen = websocket.listenWS


def listen_on_loopback(factory, contextFactory=None, backlog=50, interface='127.0.0.1'):
    return _listen(factory, contextFactory, backlog, interface or '127.0.0.1')


websocket.listenWS = listen_on_loopback
fuzzing.listenWS = listen_on_loopback

from autobahntestsuite.wstest import run  # noqa: E402

if __name__ == '__main__':
    run()
