#!/usr/bin/env python3
"""heapsnap-print --html in headless Chromium (Debian's chromium package).

For each fixture's page: load it, check the DOM against the Massif file read
here (the peak's bytes, the peak tree's top-level functions in the table and
in the icicle, one chart element per snapshot, no script error), click a
snapshot with a tree other than the shown one and check the icicle now
shows that snapshot's top-level functions, type a function's name in the
search box and check its frames are marked, take a screenshot and check it
is not blank (the PNG decoded here, its colours counted).  Then one page
with JavaScript off: the chart and the peak tree are in the static markup.

Chromium is driven through the DevTools protocol over a pipe
(--remote-debugging-pipe: it reads commands on fd 3 and answers on fd 4,
NUL-separated JSON), so no package beyond Python is needed.  Without
chromium the suite is skipped with a TAP skip.  No check depends on time;
the load time is reported as a note.

  print_html_browser.py                      the suite (TAP)
  print_html_browser.py --screenshot OUT.png [FILE]
                                             the README's picture, made from
                                             FILE (default: a leak fixture)
  print_html_browser.py --time FILE...       size and load time of each page
"""
import base64
import fcntl
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib

top = os.environ.get("top_srcdir") or os.path.join(os.path.dirname(__file__), "..", "..")
hs = os.environ.get("HS_PRINT") or os.path.join(top, "heapsnap-print")
fix = os.path.join(top, "tests", "fixtures")
README_FIXTURE = os.path.join(fix, "leaks", "leak_two.massif.out")


def find_chromium():
    for name in (os.environ.get("CHROMIUM", ""), "chromium", "chromium-browser"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


class Browser:
    """One headless Chromium, one tab, spoken to over the DevTools pipe."""

    def __init__(self, exe, tmp, width=1200, height=900):
        to_r, to_w = os.pipe()      # we write commands, chromium reads fd 3
        from_r, from_w = os.pipe()  # chromium writes fd 4, we read
        # Out of the way of 3 and 4 before the child moves them there.
        a = fcntl.fcntl(to_r, fcntl.F_DUPFD, 10)
        b = fcntl.fcntl(from_w, fcntl.F_DUPFD, 10)

        def child_fds():
            os.dup2(a, 3)
            os.dup2(b, 4)

        args = [exe, "--headless", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--no-default-browser-check", "--hide-scrollbars",
                "--disable-extensions", "--disable-background-networking",
                "--user-data-dir=" + os.path.join(tmp, "profile"),
                "--window-size=%d,%d" % (width, height), "about:blank"]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, pass_fds=(3, 4),
                                     preexec_fn=child_fds)
        for fd in (to_r, from_w, a, b):
            os.close(fd)
        self.w, self.r = to_w, from_r
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.session = None
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable")
        self.call("Runtime.enable")
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def _read(self):
        while b"\0" not in self.buf:
            chunk = os.read(self.r, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if self.session:
            msg["sessionId"] = self.session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        while True:
            m = self._read()
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m["result"]
            self.events.append(m)

    def wait_event(self, method, timeout=30):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for i, e in enumerate(self.events):
                if e.get("method") == method:
                    del self.events[i]
                    return e
            self.events.append(self._read())
        raise RuntimeError("no %s" % method)

    def load(self, path):
        self.events = []
        self.call("Page.navigate", {"url": "file://" + os.path.abspath(path)})
        self.wait_event("Page.loadEventFired")

    def js(self, expr):
        r = self.call("Runtime.evaluate", {"expression": expr, "returnByValue": True})
        if "exceptionDetails" in r:
            raise RuntimeError("%s: %s" % (expr, r["exceptionDetails"]))
        return r["result"].get("value")

    def click(self, x, y):
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y,
                                                   "button": "left", "clickCount": 1})

    def errors(self):
        return [e for e in self.events if e.get("method") == "Runtime.exceptionThrown"]

    def screenshot(self, scale=1.0):
        params = {"format": "png", "captureBeyondViewport": False}
        if scale != 1.0:
            w, h = self.js("[window.innerWidth, window.innerHeight]")
            params["clip"] = {"x": 0, "y": 0, "width": w, "height": h, "scale": scale}
        r = self.call("Page.captureScreenshot", params)
        return base64.b64decode(r["data"])

    def close(self):
        try:
            self.session = None
            self.call("Browser.close")
        except (RuntimeError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.w)
        os.close(self.r)


def png_colours(data):
    """Distinct colours of an 8-bit RGB(A) PNG, and the top one's share."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert depth == 8 and ctype in (2, 6), (depth, ctype)
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    counts = {}
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pr) & 255
        prev = line
        if y % 4 == 0:
            for i in range(0, stride, bpp * 4):
                px = bytes(line[i:i + 3])
                counts[px] = counts.get(px, 0) + 1
    top_share = max(counts.values()) / sum(counts.values())
    return len(counts), top_share


def fmt_bytes(v):
    """hs_fmt_bytes (print/numfmt.c): what the page shows."""
    if v < 1000:
        return "%.0f B" % v
    units = ["B", "KB", "MB", "GB", "TB", "PB", "EB"]
    k = 0
    while v >= 1000 and k < 6:
        v /= 1024
        k += 1
    return ("%.2f %s" if v < 10 else "%.1f %s" if v < 100 else "%.0f %s") % (v, units[k])


def massif(path):
    """Snapshots: dicts of num, total, kind, and the top-level children
    (name without address, bytes) of each tree."""
    snaps, cur = [], None
    with open(path, "rb") as f:
        for line in f.read().decode("utf-8", "replace").splitlines():
            m = re.match(r"(snapshot|time|mem_heap_B|mem_heap_extra_B|mem_stacks_B|heap_tree)=(\S+)",
                         line)
            if m:
                k, v = m.groups()
                if k == "snapshot":
                    cur = {"num": int(v), "total": 0, "kids": []}
                    snaps.append(cur)
                elif k == "heap_tree":
                    cur["kind"] = v
                elif k != "time":
                    cur["total"] += int(v)
                continue
            m = re.match(r"^ n\d+: (\d+) (.*)$", line)
            if m and cur is not None:
                text = re.sub(r"^0x[0-9A-Fa-f]+: (?!\?\?\?$)", "", m.group(2))
                cur["kids"].append((text, int(m.group(1))))
    return snaps


def page_of(src, tmp):
    """The page of src, made in src's folder so it names the file alone."""
    out = os.path.join(tmp, os.path.basename(src) + ".html")
    subprocess.run([os.path.abspath(hs), "--html", os.path.basename(src), "-o", out], check=True,
                   cwd=os.path.dirname(os.path.abspath(src)))
    return out


def check_page(br, src, tmp, ok):
    name = os.path.relpath(src, fix)
    snaps = massif(src)
    page = page_of(src, tmp)
    t0 = time.monotonic()
    br.load(page)
    load_ms = (time.monotonic() - t0) * 1000
    errs = br.errors()
    dom = br.js("""(function(){
      var q=function(s){return document.querySelectorAll(s)};
      var pb=document.getElementById('peak-bytes');
      return {peak: pb?pb.textContent:null,
        snaps: q('#chart g.snap').length,
        top: Array.prototype.map.call(q('#top-sites tbody tr td:first-child'),
                                      function(e){return e.textContent}),
        ice: Array.prototype.map.call(q('#ice > .node > .kids > .node'),
                                      function(e){return e.getAttribute('data-f')}),
        shown: document.getElementById('ice').getAttribute('data-i')};})()""")
    trees = [i for i, s in enumerate(snaps) if s.get("kind") != "empty"]
    peaks = [i for i, s in enumerate(snaps) if s.get("kind") == "peak"]
    peak = peaks[-1] if peaks else (max(trees, key=lambda i: (snaps[i]["total"], -i))
                                    if trees else None)
    problems = ["script error: %s" % e["params"]["exceptionDetails"].get("text") for e in errs]
    if dom["snaps"] != len(snaps):
        problems.append("%d chart snapshots, want %d" % (dom["snaps"], len(snaps)))
    if peak is not None:
        want_peak = fmt_bytes(snaps[peak]["total"])
        if dom["peak"] != want_peak:
            problems.append("peak shows %r, want %r" % (dom["peak"], want_peak))
        want_top = [k for k, _ in snaps[peak]["kids"]][:20]
        if dom["top"] != want_top:
            problems.append("top sites %r, want %r" % (dom["top"], want_top))
        want_ice = [k for k, b in snaps[peak]["kids"]
                    if snaps[peak]["total"] and b * 100 >= snaps[peak]["total"]]
        if dom["ice"][:len(want_ice)] != want_ice:
            problems.append("icicle %r, want %r" % (dom["ice"], want_ice))
    ok(not problems, "%s: DOM (peak %s, %d snapshots, %d top sites), loaded in %.0f ms" %
       (name, dom["peak"], dom["snaps"], len(dom["top"]), load_ms), "\n".join(problems))

    # A click on another snapshot with a tree shows that tree.
    # (Snapshots at the same time share a place: take one on top of it.)
    others = [i for i in trees if i != peak and snaps[i]["kids"] and
              br.js("""(function(){var g=document.querySelector('#chart g.snap[data-i="%d"] rect');
              g.scrollIntoView({block:'center'});var r=g.getBoundingClientRect();
              var e=document.elementFromPoint(r.left+r.width/2, r.top+r.height/2);
              return e!==null&&e.closest('g.snap')===g.parentNode;})()""" % i)]
    if others:
        i = others[len(others) // 2]
        box = br.js("""(function(){var g=document.querySelector('#chart g.snap[data-i="%d"] rect');
          g.scrollIntoView({block:'center'});var r=g.getBoundingClientRect();
          return [r.left+r.width/2, r.top+r.height/2];})()""" % i)
        br.click(box[0], box[1])
        got = br.js("""(function(){return {shown: document.getElementById('ice').getAttribute('data-i'),
          title: document.getElementById('tree-title').textContent,
          ice: Array.prototype.map.call(document.querySelectorAll('#ice > .node > .kids > .node'),
                                        function(e){return e.getAttribute('data-f')})};})()""")
        s = snaps[i]
        want_ice = [k for k, b in s["kids"] if s["total"] and b * 100 >= s["total"]]
        good = (got["shown"] == str(i) and got["title"].startswith("Snapshot %d" % s["num"]) and
                got["ice"][:len(want_ice)] == want_ice and not br.errors())
        ok(good, "%s: a click on snapshot %d shows its tree" % (name, s["num"]),
           "%r, want %r" % (got, want_ice))

    # The search box marks a top-level function's frames.
    if peak is not None and snaps[peak]["kids"]:
        shown = int(br.js("document.getElementById('ice').getAttribute('data-i')"))
        want = [k for k, b in snaps[shown]["kids"]
                if snaps[shown]["total"] and b * 100 >= snaps[shown]["total"]]
        if want:
            word = re.split(r"[ (]", want[0])[0] or want[0]
            got = br.js("""(function(){var q=document.getElementById('search');q.value=%s;
              q.dispatchEvent(new Event('input'));
              return [document.querySelectorAll('#ice .node.hit').length,
                      document.getElementById('qres').textContent];})()""" % json.dumps(word))
            ok(got[0] >= 1 and "match" in got[1], "%s: search %r marks %d frames" %
               (name, word, got[0]), repr(got))
            br.js("""(function(){var q=document.getElementById('search');q.value='';
              q.dispatchEvent(new Event('input'));})()""")

    br.js("window.scrollTo(0, 0)")
    png = br.screenshot(0.25)  # small: the PNG is decoded in Python
    colours, share = png_colours(png)
    ok(colours >= 20 and share < 0.97, "%s: screenshot not blank (%d colours, top %.0f%%)" %
       (name, colours, 100 * share))
    return load_ms


def main():
    exe = find_chromium()
    if len(sys.argv) > 1 and sys.argv[1] in ("--screenshot", "--time"):
        if not exe:
            sys.exit("print_html_browser.py: chromium is not installed (apt-get install chromium)")
        with tempfile.TemporaryDirectory() as tmp:
            if sys.argv[1] == "--screenshot":
                out = sys.argv[2]
                src = sys.argv[3] if len(sys.argv) > 3 else README_FIXTURE
                br = Browser(exe, tmp, 1100, 1080)
                try:
                    br.load(page_of(src, tmp))
                    with open(out, "wb") as f:
                        f.write(br.screenshot())
                finally:
                    br.close()
                return 0
            br = Browser(exe, tmp)
            try:
                for src in sys.argv[2:]:
                    page = page_of(src, tmp)
                    br.load(page)  # warm: the first load starts the renderer
                    t0 = time.monotonic()
                    br.load(page)
                    wall = (time.monotonic() - t0) * 1000
                    nav = br.js("(function(){var t=performance.timing;"
                                "return t.loadEventEnd-t.navigationStart})()")
                    # Every tree drawn by a click (the handler is synchronous).
                    draw = br.js("""(function(){var w=0,g=document.querySelectorAll('#chart g.det');
                      for(var i=0;i<g.length;i++){var t=performance.now();
                      g[i].dispatchEvent(new MouseEvent('click',{bubbles:true}));
                      w=Math.max(w,performance.now()-t);}return w;})()""")
                    print("%-40s %9d bytes  load %5.0f ms (navigation to load event %s ms), "
                          "slowest tree drawn on a click in %.0f ms" %
                          (src, os.path.getsize(page), wall, nav, draw))
            finally:
                br.close()
        return 0

    if not exe:
        print("1..0 # SKIP chromium is not installed (Debian package chromium)")
        return 0
    n = [0, 0]

    def ok(cond, what, diag=""):
        n[0] += 1
        if not cond:
            n[1] += 1
        print("%s %d - %s" % ("ok" if cond else "not ok", n[0], what))
        if not cond:
            for line in str(diag).splitlines()[:20]:
                print("# " + line)
        sys.stdout.flush()

    fixtures = sorted(os.path.join(fix, f) for f in os.listdir(fix) if f.endswith(".massif.out"))
    fixtures += sorted(os.path.join(fix, "leaks", f) for f in os.listdir(os.path.join(fix, "leaks"))
                       if f.endswith(".massif.out"))
    with tempfile.TemporaryDirectory() as tmp:
        br = Browser(exe, tmp)
        try:
            for src in fixtures:
                try:
                    check_page(br, src, tmp, ok)
                except RuntimeError as e:
                    ok(False, "%s: page checks ran" % os.path.relpath(src, fix), e)
            # Without JavaScript: the chart and the peak tree are there.
            br.call("Emulation.setScriptExecutionDisabled", {"value": True})
            br.load(page_of(README_FIXTURE, tmp))
            got = br.js("""[document.querySelectorAll('#chart path.band').length,
              document.querySelectorAll('#ice .node').length,
              document.querySelectorAll('#suspects li').length]""")
            ok(got[0] >= 2 and got[1] >= 3 and got[2] >= 1,
               "without JavaScript: chart bands, peak tree and suspects in the markup %r" % got)
            # With it again: a click on a block zooms into it, the button undoes it.
            br.call("Emulation.setScriptExecutionDisabled", {"value": False})
            br.load(page_of(README_FIXTURE, tmp))
            box = br.js("""(function(){var l=document.querySelector('#ice > .node > .kids > .node > .lbl');
              l.scrollIntoView({block:'center'});var r=l.getBoundingClientRect();
              return [r.left+10, r.top+r.height/2, l.parentNode.getAttribute('data-f')];})()""")
            br.click(box[0], box[1])
            zoomed = br.js("""[document.querySelectorAll('#ice > .node').length,
              document.querySelector('#ice > .node').getAttribute('data-f'),
              document.querySelectorAll('#ice > button.unzoom').length]""")
            br.js("document.querySelector('#ice > button.unzoom').click()")
            back = br.js("document.querySelector('#ice > .node').getAttribute('data-f')")
            ok(zoomed == [1, box[2], 1] and back.startswith("(heap allocation functions)"),
               "a click on a block zooms into it (%r), the button shows the whole tree again" %
               box[2], "%r %r" % (zoomed, back))
        finally:
            br.close()
    print("1..%d" % n[0])
    return 1 if n[1] else 0


if __name__ == "__main__":
    sys.exit(main())
