using System.Globalization;
using SkiaSharp;

namespace MlNetMoco.Demo.Reporting;

/// <summary>
/// A small line/scatter chart drawn with SkiaSharp (the version ML.NET's ImageAnalytics already brings; plotting
/// libraries served here need SkiaSharp 3, which breaks ImageAnalytics in the same process).
/// </summary>
public sealed class Chart
{
    private static readonly SKColor[] Palette =
    {
        new(31, 119, 180), new(255, 127, 14), new(44, 160, 44), new(214, 39, 40), new(148, 103, 189),
        new(140, 86, 75), new(227, 119, 194), new(127, 127, 127), new(188, 189, 34), new(23, 190, 207),
    };

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

    /// <summary>Logarithmic x axis (base 10).</summary>
    public bool LogX { get; init; }

    /// <summary>Adds a line with markers.</summary>
    public Chart Line(string name, IEnumerable<double> x, IEnumerable<double> y)
    {
        _series.Add((name, x.ToArray(), y.ToArray(), true));
        return this;
    }

    /// <summary>Adds a scatter of points.</summary>
    public Chart Points(string name, IEnumerable<double> x, IEnumerable<double> y)
    {
        _series.Add((name, x.ToArray(), y.ToArray(), false));
        return this;
    }

    /// <summary>Writes charts side by side into one PNG.</summary>
    public static void SavePng(string path, int width, int height, params Chart[] panels)
    {
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

    private void Render(SKCanvas canvas, SKRect area)
    {
        float legendWidth = _series.Count > 1 ? 12 + 7.5f * _series.Max(x => x.Name.Length) + 30 : 0;
        var plot = new SKRect(area.Left + 70, area.Top + 40, area.Right - 20 - legendWidth, area.Bottom - 55);
        using var text = new SKPaint { Color = SKColors.Black, IsAntialias = true, TextSize = 13 };
        using var titlePaint = new SKPaint { Color = SKColors.Black, IsAntialias = true, TextSize = 16, FakeBoldText = true, TextAlign = SKTextAlign.Center };
        using var axis = new SKPaint { Color = SKColors.Black, StrokeWidth = 1, IsStroke = true, IsAntialias = true };
        using var grid = new SKPaint { Color = new SKColor(225, 225, 225), StrokeWidth = 1, IsStroke = true };

        canvas.DrawText(Title, (area.Left + area.Right) / 2, area.Top + 24, titlePaint);
        var xs = _series.SelectMany(s => s.X).Select(TransformX).Where(double.IsFinite).DefaultIfEmpty(0).ToArray();
        var ys = _series.SelectMany(s => s.Y).Where(double.IsFinite).DefaultIfEmpty(0).ToArray();
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
        foreach (double t in LogX ? Enumerable.Range((int)Math.Ceiling(x0), Math.Max(0, (int)Math.Floor(x1) - (int)Math.Ceiling(x0) + 1)).Select(e => (double)e) : Ticks(x0, x1))
        {
            double value = LogX ? Math.Pow(10, t) : t;
            float px = plot.Left + (float)((t - x0) / (x1 - x0)) * plot.Width;
            canvas.DrawLine(px, plot.Top, px, plot.Bottom, grid);
            canvas.DrawText(Label(value), px, plot.Bottom + 18, text);
        }
        canvas.DrawRect(plot, axis);
        canvas.DrawText(XLabel, (plot.Left + plot.Right) / 2, plot.Bottom + 40, text);
        canvas.Save();
        canvas.RotateDegrees(-90, area.Left + 18, (plot.Top + plot.Bottom) / 2);
        canvas.DrawText(YLabel, area.Left + 18, (plot.Top + plot.Bottom) / 2, text);
        canvas.Restore();

        for (int s = 0; s < _series.Count; s++)
        {
            var (name, x, y, line) = _series[s];
            using var paint = new SKPaint { Color = Palette[s % Palette.Length], StrokeWidth = 2, IsAntialias = true, IsStroke = line };
            using var dot = new SKPaint { Color = Palette[s % Palette.Length].WithAlpha(line ? (byte)255 : (byte)150), IsAntialias = true };
            for (int i = 0; i < x.Length; i++)
            {
                if (line && i > 0) canvas.DrawLine(Px(x[i - 1]), Py(y[i - 1]), Px(x[i]), Py(y[i]), paint);
                canvas.DrawCircle(Px(x[i]), Py(y[i]), line ? 3.5f : 2.2f, dot);
            }
            if (legendWidth > 0)
            {
                float ly = plot.Top + 10 + s * 20;
                canvas.DrawCircle(plot.Right + 18, ly - 4, 5, dot);
                text.TextAlign = SKTextAlign.Left;
                canvas.DrawText(name, plot.Right + 28, ly, text);
            }
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

    private static string Label(double v) => v.ToString(Math.Abs(v) >= 100 ? "0" : "0.###", CultureInfo.InvariantCulture);
}
