using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

// Usage: probe MODEL.zip PIXELS.bin SIZE → prints one line of scores per row; exit 3 if a libtorch library is mapped.
if (args.Length != 3)
{
    Console.Error.WriteLine("usage: MlNetMoco.OnnxScoringProbe MODEL.zip PIXELS.bin SIZE");
    return 2;
}
var ml = new MLContext();
var model = ml.Model.Load(args[0], out _);
int size = int.Parse(args[2], CultureInfo.InvariantCulture);
var bytes = File.ReadAllBytes(args[1]);
var values = new float[bytes.Length / 4];
Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
var rows = Enumerable.Range(0, values.Length / size).Select(i => new Row { Pixels = values.AsSpan(i * size, size).ToArray() }).ToList();
var definition = SchemaDefinition.Create(typeof(Row));
definition[nameof(Row.Pixels)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
var scored = model.Transform(ml.Data.LoadFromEnumerable(rows, definition));
foreach (var score in scored.GetColumn<float[]>("Score"))
    Console.WriteLine(string.Join(" ", score.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));

string maps = File.ReadAllText("/proc/self/maps");
if (maps.Contains("libtorch", StringComparison.Ordinal) || maps.Contains("LibTorchSharp", StringComparison.Ordinal))
{
    Console.Error.WriteLine("a libtorch library is loaded in the scoring process");
    return 3;
}
Console.Error.WriteLine("no libtorch library loaded");
return 0;

internal sealed class Row
{
    public float Label { get; set; }
    public float[] Pixels { get; set; } = Array.Empty<float>();
}
