// Draws the figures of report.html from the JSON in #grokscope-data: XY figures with uPlot, heatmaps on a canvas.
(function () {
  var status = window.grokscopeStatus;
  var data = JSON.parse(document.getElementById('grokscope-data').textContent);

  function fmt(v) {
    if (v == null || !isFinite(v)) return '–';
    var a = Math.abs(v);
    if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(3);
    return String(+v.toPrecision(5));
  }

  function chartWidth(el) {
    return Math.max(480, Math.min(1150, (el.clientWidth || document.body.clientWidth || 1000) - 10));
  }

  // Vertical dashed lines with labels (grokking epochs).
  function markersPlugin(markers) {
    return {
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx;
          var dpr = window.devicePixelRatio || 1;
          markers.forEach(function (m, i) {
            var x = u.valToPos(m.x, 'x', true);
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
            ctx.save();
            ctx.strokeStyle = m.color;
            ctx.lineWidth = 1.5 * dpr;
            ctx.setLineDash([6 * dpr, 4 * dpr]);
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
            ctx.setLineDash([]);
            ctx.font = (11 * dpr) + 'px sans-serif';
            var w = ctx.measureText(m.label).width;
            var right = x + 4 * dpr + w < u.bbox.left + u.bbox.width;
            var tx = right ? x + 4 * dpr : x - 4 * dpr - w;
            var ty = u.bbox.top + (14 + 15 * i) * dpr;
            ctx.fillStyle = 'rgba(255,255,255,0.85)';
            ctx.fillRect(tx - 2 * dpr, ty - 11 * dpr, w + 4 * dpr, 14 * dpr);
            ctx.fillStyle = m.color;
            ctx.fillText(m.label, tx, ty);
            ctx.restore();
          });
        }]
      }
    };
  }

  function xyChart(el, f) {
    if (!window.uPlot) {
      return false;
    }
    if (f.series.length === 0) {
      el.innerHTML = '<p class="missing-inline">No data to draw.</p>';
      return true;
    }
    var tables = f.series.map(function (s) { return [s.x, s.y]; });
    var joined = uPlot.join(tables);
    var categorical = Object.keys(f.xTicks).length > 0;
    var tickPos = Object.keys(f.xTicks).map(Number);
    var series = [{
      label: f.xShift ? 'epoch' : f.xLabel,
      value: function (u, v) {
        if (v == null) return '–';
        if (categorical) { var k = Math.round(v); return f.xTicks[k] !== undefined ? f.xTicks[k] : fmt(v); }
        return fmt(v - f.xShift);
      }
    }];
    f.series.forEach(function (s) {
      var pointsOnly = s.style === 'POINTS';
      series.push({
        label: s.name,
        stroke: s.color,
        width: pointsOnly ? 0 : (s.style === 'LINE_POINTS' ? 2 : 1.6),
        dash: s.style === 'DASHED' ? [6, 4] : undefined,
        spanGaps: true,
        paths: pointsOnly ? function () { return null; } : undefined,
        points: { show: pointsOnly || s.style === 'LINE_POINTS', size: 7, fill: s.color, stroke: s.color },
        value: function (u, v) { return fmt(v); }
      });
    });
    var xScale = { time: false, distr: f.xLog ? 3 : 1 };
    if (f.xLog) xScale.log = 10;
    if (categorical) {
      xScale.auto = false;
      xScale.min = Math.min.apply(null, tickPos) - 0.5;
      xScale.max = Math.max.apply(null, tickPos) + 0.5;
    }
    var yScale = { distr: f.yLog ? 3 : 1 };
    if (f.yLog) yScale.log = 10;
    var xAxis = { label: f.xLabel };
    if (categorical) {
      xAxis.splits = function (u) {
        return tickPos.filter(function (p) { return p >= u.scales.x.min && p <= u.scales.x.max; });
      };
      xAxis.values = function (u, splits) { return splits.map(function (p) { return f.xTicks[p]; }); };
    }
    var opts = {
      width: chartWidth(el),
      height: 400,
      scales: { x: xScale, y: yScale },
      axes: [xAxis, { label: f.yLabel, size: 70 }],
      series: series,
      cursor: { drag: { x: true, y: false } },
      legend: { live: true },
      plugins: f.markers.length ? [markersPlugin(f.markers)] : []
    };
    new uPlot(opts, joined, el);
    return true;
  }

  function rampColor(t) {
    var r = data.ramp;
    t = Math.max(0, Math.min(1, t));
    var pos = t * (r.length - 1);
    var k = Math.min(r.length - 2, Math.floor(pos));
    var w = pos - k;
    return [0, 1, 2].map(function (c) { return Math.round(r[k][c] + w * (r[k + 1][c] - r[k][c])); });
  }

  function heatmap(el, f) {
    var nr = f.rows.length;
    var nc = nr ? f.z[0].length : 0;
    if (!nr || !nc) {
      el.innerHTML = '<p class="missing-inline">No data to draw.</p>';
      return true;
    }
    var lo = Infinity, hi = -Infinity;
    f.z.forEach(function (row) { row.forEach(function (v) { if (v != null) { lo = Math.min(lo, v); hi = Math.max(hi, v); } }); });
    if (!(lo <= hi)) { lo = 0; hi = 1; } else if (lo === hi) { lo -= 0.5; hi += 0.5; }
    var W = chartWidth(el), H = 420, left = 70, right = 110, top = 10, bottom = 50;
    var pw = W - left - right, ph = H - top - bottom;
    var canvas = document.createElement('canvas');
    canvas.width = W; canvas.height = H;
    canvas.style.width = W + 'px'; canvas.style.height = H + 'px';
    var ctx = canvas.getContext('2d');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, W, H);
    var cells = document.createElement('canvas');
    cells.width = nr; cells.height = nc;
    var cctx = cells.getContext('2d');
    var img = cctx.createImageData(nr, nc);
    for (var r = 0; r < nr; r++) {
      for (var j = 0; j < nc; j++) {
        var v = f.z[r][j];
        var c = v == null ? [221, 221, 221] : rampColor((v - lo) / (hi - lo));
        var o = 4 * (j * nr + r);
        img.data[o] = c[0]; img.data[o + 1] = c[1]; img.data[o + 2] = c[2]; img.data[o + 3] = 255;
      }
    }
    cctx.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(cells, left, top, pw, ph);
    ctx.strokeStyle = '#666';
    ctx.strokeRect(left + 0.5, top + 0.5, pw, ph);
    ctx.fillStyle = '#222';
    ctx.font = '12px sans-serif';
    ctx.textAlign = 'center';
    var nx = Math.min(nr, 7);
    for (var k = 0; k < nx; k++) {
      var ri = nx === 1 ? 0 : Math.round(k * (nr - 1) / (nx - 1));
      var x = left + (ri + 0.5) * pw / nr;
      ctx.fillRect(x, top + ph, 1, 5);
      ctx.fillText(fmt(f.rows[ri]), x, top + ph + 18);
    }
    ctx.fillText(f.rowLabel, left + pw / 2, H - 8);
    ctx.textAlign = 'right';
    var step = Math.max(1, Math.ceil(nc / 8));
    for (var i = 1; i <= nc; i = (i === 1 && step > 1) ? step : i + step) {
      var y = top + (i - 0.5) * ph / nc;
      ctx.fillRect(left - 5, y, 5, 1);
      ctx.fillText(String(i), left - 8, y + 4);
    }
    ctx.save();
    ctx.translate(16, top + ph / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.fillText(f.colLabel, 0, 0);
    ctx.restore();
    var bx = left + pw + 25;
    for (var yy = 0; yy < ph; yy++) {
      var cc = rampColor(1 - yy / (ph - 1));
      ctx.fillStyle = 'rgb(' + cc.join(',') + ')';
      ctx.fillRect(bx, top + yy, 16, 1);
    }
    ctx.strokeRect(bx + 0.5, top + 0.5, 16, ph);
    ctx.fillStyle = '#222';
    ctx.textAlign = 'left';
    for (var t = 0; t <= 4; t++) {
      ctx.fillText((hi - t * (hi - lo) / 4).toFixed(2), bx + 22, top + t * (ph - 1) / 4 + 4);
    }
    ctx.fillText(f.zLabel, bx - 10, H - 8);
    el.appendChild(canvas);
    var tip = document.createElement('div');
    tip.className = 'heatmap-tip';
    el.appendChild(tip);
    canvas.addEventListener('mousemove', function (e) {
      var rect = canvas.getBoundingClientRect();
      var px = e.clientX - rect.left, py = e.clientY - rect.top;
      var r = Math.floor((px - left) / pw * nr), j = Math.floor((py - top) / ph * nc);
      if (r < 0 || r >= nr || j < 0 || j >= nc) { tip.style.display = 'none'; return; }
      var v = f.z[r][j];
      tip.textContent = f.rowLabel + ' ' + fmt(f.rows[r]) + ', i = ' + (j + 1) + ': ' + f.zLabel + ' = ' + fmt(v)
        + (v == null ? '' : ' (sigma = ' + fmt(Math.pow(10, v)) + ')');
      tip.style.display = 'block';
      tip.style.left = (px + 14) + 'px';
      tip.style.top = (py + 8) + 'px';
    });
    canvas.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
    return true;
  }

  document.querySelectorAll('.chart[data-figure]').forEach(function (el) {
    var f = data.figures[Number(el.getAttribute('data-figure'))];
    try {
      var drawn = f.type === 'heatmap' ? heatmap(el, f) : xyChart(el, f);
      if (drawn) status.drawn();
    } catch (e) {
      status.error('figure ' + f.id + ': ' + e);
      el.innerHTML = '<p class="missing-inline">This chart could not be drawn: ' + String(e).replace(/</g, '&lt;') + '</p>';
    }
  });
  status.done();
})();
