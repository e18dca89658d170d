using System.Globalization;
using SkiaSharp;

namespace MlNetMoco.Demo.Reporting;

/// <summary>
/// A small line/scatter chart drawn with SkiaSharp 2.88, the version ML.NET's ImageAnalytics runs on. (ScottPlot 5.1,
/// the only ScottPlot the package source serves, needs SkiaSharp 3, whose removed <c>SKBitmap.GetPixelSpan</c> makes
/// ImageAnalytics' <c>ExtractPixels</c> throw <see cref="MissingMethodException"/> in the same process.)
/// </summary>
public sealed class Chart
{
    private static readonly SKColor[] Palette =
    {
        new(31, 119, 180), new(255, 127, 14), new(44, 160, 44), new(214, 39, 40), new(148, 103, 189),
        new(140, 86, 75), new(227, 119, 194), new(127, 127, 127), new(188, 189, 34), new(23, 190, 207),
    };

    private static readonly Lazy<SKTypeface> Font = new(() =>
        SKTypeface.FromFamilyName("DejaVu Sans") ?? SKTypeface.FromFamilyName("Liberation Sans") ?? SKTypeface.Default);

    private readonly List<(string Name, double[] X, double[] Y, bool Line)> _series = new();

    /// <summary>Creates an empty chart.</summary>
    public Chart(string title, string xLabel, string yLabel)
    {
        Title = title;
        XLabel = xLabel;
        YLabel = yLabel;
    }

    /// <summary>Title above the plot.</summary>
    public string Title { get; }

    /// <summary>X axis label.</summary>
    public string XLabel { get; }

    /// <summary>Y axis label.</summary>
    public string YLabel { get; }

    /// <summary>Logarithmic x axis (base 10); non-positive x values are left out.</summary>
    public bool LogX { get; init; }

    /// <summary>Show the legend even for a single series (it is always shown for two or more).</summary>
    public bool AlwaysShowLegend { get; init; }

    /// <summary>Draw the legend inside the plot's lower-right corner instead of to its right (for narrow panels of rising curves).</summary>
    public bool LegendInside { get; init; }

    /// <summary>Number of series added so far.</summary>
    public int SeriesCount => _series.Count;

    /// <summary>Adds a line with markers.</summary>
    public Chart Line(string name, IEnumerable<double> x, IEnumerable<double> y) => Add(name, x, y, true);

    /// <summary>Adds a scatter of points.</summary>
    public Chart Points(string name, IEnumerable<double> x, IEnumerable<double> y) => Add(name, x, y, false);

    /// <summary>Writes charts side by side into one PNG of <paramref name="width"/>×<paramref name="height"/> pixels.</summary>
    public static void SavePng(string path, int width, int height, params Chart[] panels)
    {
        ArgumentNullException.ThrowIfNull(panels);
        if (panels.Length == 0) throw new ArgumentException("Give at least one chart.", nameof(panels));
        using var surface = SKSurface.Create(new SKImageInfo(width, height));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        float panelWidth = width / (float)panels.Length;
        for (int i = 0; i < panels.Length; i++)
            panels[i].Render(canvas, new SKRect(i * panelWidth, 0, (i + 1) * panelWidth, height));
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        data.SaveTo(file);
    }

    private Chart Add(string name, IEnumerable<double> x, IEnumerable<double> y, bool line)
    {
        var xs = x.ToArray();
        var ys = y.ToArray();
        if (xs.Length != ys.Length) throw new ArgumentException($"Series '{name}' has {xs.Length} x and {ys.Length} y values.");
        var keep = Enumerable.Range(0, xs.Length).Where(i => double.IsFinite(xs[i]) && double.IsFinite(ys[i]) && (!LogX || xs[i] > 0)).ToArray();
        _series.Add((name, keep.Select(i => xs[i]).ToArray(), keep.Select(i => ys[i]).ToArray(), line));
        return this;
    }

    private void Render(SKCanvas canvas, SKRect area)
    {
        using var text = new SKPaint { Color = new SKColor(40, 40, 40), IsAntialias = true, TextSize = 13, Typeface = Font.Value };
        using var titlePaint = new SKPaint { Color = SKColors.Black, IsAntialias = true, TextSize = 16, FakeBoldText = true, TextAlign = SKTextAlign.Center, Typeface = Font.Value };
        using var axis = new SKPaint { Color = SKColors.Black, StrokeWidth = 1, IsStroke = true, IsAntialias = true };
        using var grid = new SKPaint { Color = new SKColor(225, 225, 225), StrokeWidth = 1, IsStroke = true };

        bool legend = _series.Count > 1 || (AlwaysShowLegend && _series.Count == 1);
        float legendWidth = legend ? 44 + _series.Max(s => text.MeasureText(s.Name)) : 0;
        var plot = new SKRect(area.Left + 75, area.Top + 45, area.Right - 20 - (LegendInside ? 0 : legendWidth), area.Bottom - 55);

        canvas.DrawText(Fit(Title, titlePaint, area.Width - 10), (area.Left + area.Right) / 2, area.Top + 26, titlePaint);
        var xs = _series.SelectMany(s => s.X).Select(TransformX).DefaultIfEmpty(0).ToArray();
        var ys = _series.SelectMany(s => s.Y).DefaultIfEmpty(0).ToArray();
        var (x0, x1) = Range(xs.Min(), xs.Max());
        var (y0, y1) = Range(ys.Min(), ys.Max());
        float Px(double x) => plot.Left + (float)((TransformX(x) - x0) / (x1 - x0)) * plot.Width;
        float Py(double y) => plot.Bottom - (float)((y - y0) / (y1 - y0)) * plot.Height;

        text.TextAlign = SKTextAlign.Right;
        foreach (double t in Ticks(y0, y1))
        {
            canvas.DrawLine(plot.Left, Py(t), plot.Right, Py(t), grid);
            canvas.DrawText(Label(t), plot.Left - 6, Py(t) + 4, text);
        }
        text.TextAlign = SKTextAlign.Center;
        foreach (double value in LogX ? LogTicks(x0, x1) : Ticks(x0, x1))
        {
            float px = Px(value);
            canvas.DrawLine(px, plot.Top, px, plot.Bottom, grid);
            canvas.DrawText(Label(value), px, plot.Bottom + 18, text);
        }
        canvas.DrawRect(plot, axis);
        canvas.DrawText(XLabel, (plot.Left + plot.Right) / 2, plot.Bottom + 42, text);
        canvas.Save();
        canvas.RotateDegrees(-90, area.Left + 20, (plot.Top + plot.Bottom) / 2);
        canvas.DrawText(YLabel, area.Left + 20, (plot.Top + plot.Bottom) / 2, text);
        canvas.Restore();

        canvas.Save();
        canvas.ClipRect(plot);
        for (int s = 0; s < _series.Count; s++)
        {
            var (_, x, y, line) = _series[s];
            using var paint = new SKPaint { Color = Palette[s % Palette.Length], StrokeWidth = 2, IsAntialias = true, IsStroke = true };
            using var dot = new SKPaint { Color = Palette[s % Palette.Length].WithAlpha(line ? (byte)255 : (byte)150), IsAntialias = true };
            for (int i = 0; i < x.Length; i++)
            {
                if (line && i > 0) canvas.DrawLine(Px(x[i - 1]), Py(y[i - 1]), Px(x[i]), Py(y[i]), paint);
                canvas.DrawCircle(Px(x[i]), Py(y[i]), line ? 3.5f : 2.2f, dot);
            }
        }
        canvas.Restore();

        if (!legend) return;
        text.TextAlign = SKTextAlign.Left;
        float boxHeight = 12 + 20 * _series.Count;
        var box = LegendInside
            ? new SKRect(plot.Right - 8 - legendWidth, plot.Bottom - 8 - boxHeight, plot.Right - 8, plot.Bottom - 8)
            : new SKRect(plot.Right + 8, plot.Top, plot.Right + 8 + legendWidth, plot.Top + boxHeight);
        using var fill = new SKPaint { Color = SKColors.White.WithAlpha(230) };
        using var frame = new SKPaint { Color = new SKColor(200, 200, 200), IsStroke = true, StrokeWidth = 1 };
        canvas.DrawRect(box, fill);
        canvas.DrawRect(box, frame);
        for (int s = 0; s < _series.Count; s++)
        {
            float ly = box.Top + 20 + s * 20;
            using var marker = new SKPaint { Color = Palette[s % Palette.Length], StrokeWidth = 2, IsAntialias = true };
            if (_series[s].Line) canvas.DrawLine(box.Left + 6, ly - 4, box.Left + 22, ly - 4, marker);
            canvas.DrawCircle(box.Left + 14, ly - 4, 4, marker);
            canvas.DrawText(_series[s].Name, box.Left + 28, ly, text);
        }
    }

    private double TransformX(double x) => LogX ? Math.Log10(x) : x;

    private static (double, double) Range(double min, double max)
    {
        if (max - min < 1e-12) return (min - 0.5, max + 0.5);
        double pad = (max - min) * 0.05;
        return (min - pad, max + pad);
    }

    private static IEnumerable<double> Ticks(double min, double max)
    {
        double raw = (max - min) / 5;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1, 2, 5, 10 }.Select(m => m * magnitude).First(s => s >= raw);
        for (double t = Math.Ceiling(min / step) * step; t <= max + 1e-9; t += step) yield return Math.Abs(t) < step * 1e-9 ? 0 : t;
    }

    /// <summary>Ticks of a log axis spanning log10 values [min, max]: powers of ten, with 2× and 5× when the span is short.</summary>
    private static IEnumerable<double> LogTicks(double min, double max)
    {
        double[] mantissas = max - min < 2.5 ? new[] { 1.0, 2, 5 } : new[] { 1.0 };
        for (int e = (int)Math.Floor(min); e <= (int)Math.Ceiling(max); e++)
            foreach (double m in mantissas)
            {
                double log = e + Math.Log10(m);
                if (log >= min - 1e-9 && log <= max + 1e-9) yield return Math.Pow(10, log);
            }
    }

    private static string Label(double v) =>
        v.ToString(Math.Abs(v) >= 1000 ? "N0" : Math.Abs(v) >= 100 ? "0" : "0.###", CultureInfo.InvariantCulture);

    private static string Fit(string s, SKPaint paint, float width)
    {
        if (paint.MeasureText(s) <= width) return s;
        while (s.Length > 1 && paint.MeasureText(s + "…") > width) s = s[..^1];
        return s + "…";
    }
}
