using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace MlNetMoco.FineTuning;

/// <summary>
/// The one ML.NET step between the classifier's ONNX output and the PredictedLabel key: it turns the ONNX model's
/// one-element index vector into a scalar (ML.NET 5's OnnxTransformer cannot produce scalar columns, and no built-in
/// transform takes a slot out of a vector as a scalar). Saved in models by its contract name <see cref="ContractName"/>;
/// before <c>mlContext.Model.Load</c> of a model holding a fine-tuned classifier, register this assembly with
/// <c>mlContext.ComponentCatalog.RegisterAssembly(typeof(FineTuneMoCoTransformer).Assembly)</c>. It runs plain C#
/// (no TorchSharp).
/// </summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class PredictedIndexMapping : CustomMappingFactory<PredictedIndexMapping.Input, PredictedIndexMapping.Output>
{
    /// <summary>The contract name stored in saved models: "MlNetMoco.PredictedIndex".</summary>
    public const string ContractName = "MlNetMoco.PredictedIndex";

    /// <summary>The ONNX model's output column: the predicted class index as a one-element vector.</summary>
    public const string VectorColumnName = "PredictedLabel.FineTuneMoCoIndexVector";

    /// <summary>The scalar index column this mapping writes.</summary>
    public const string ScalarColumnName = "PredictedLabel.FineTuneMoCoIndex";

    /// <summary>Copies slot 0 of <paramref name="input"/> into <paramref name="output"/>.</summary>
    public static void Map(Input input, Output output)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        output.Index = input.Index.Length > 0 ? input.Index[0] : float.NaN;
    }

    /// <inheritdoc />
    public override Action<Input, Output> GetMapping() => Map;

    /// <summary>The mapping's input row.</summary>
    public sealed class Input
    {
        /// <summary>The one-element index vector.</summary>
        [ColumnName(VectorColumnName)]
        [VectorType(1)]
        public float[] Index { get; set; } = Array.Empty<float>();
    }

    /// <summary>The mapping's output row.</summary>
    public sealed class Output
    {
        /// <summary>The 0-based predicted class index.</summary>
        [ColumnName(ScalarColumnName)]
        public float Index { get; set; }
    }
}
