using MlNetMoco.Core.Data;
using MlNetMoco.Schema;

namespace MlNetMoco.Persistence;

/// <summary>The column-side configuration of a fitted transformer (what the encoder file does not hold).</summary>
internal sealed record TransformerConfig(
    string InputColumnName,
    InputKind InputKind,
    ImageShape InputShape,
    float InputScale,
    string OutputColumnName,
    string? ProjectionColumnName,
    int TransformBatchSize,
    string? TrainingOptionsJson = null)
{
    public static TransformerConfig From(MoCoOptions options, InputKind kind, ImageShape shape) =>
        new(options.InputColumnName, kind, shape, options.InputScale, options.OutputColumnName, options.ProjectionColumnName, options.TransformBatchSize);
}
