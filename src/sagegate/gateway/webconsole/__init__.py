"""The web console at `/_sagegate/` and the metrics at `/_sagegate/metrics`, served by the
gateway itself beside the API (see `app.WebConsole`)."""

from sagegate.gateway.webconsole.app import WebConsole

__all__ = ["WebConsole"]
