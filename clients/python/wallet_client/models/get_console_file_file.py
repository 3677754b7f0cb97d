from enum import StrEnum


class GetConsoleFileFile(StrEnum):
    CONFIG_JSON = "config.json"
    CONSOLE_CSS = "console.css"
    CONSOLE_JS = "console.js"
    INDEX_HTML = "index.html"
    UPLOT_IIFE_MIN_JS = "uPlot.iife.min.js"
    UPLOT_MIN_CSS = "uPlot.min.css"

    def __str__(self) -> str:
        return str(self.value)
