using System.Reflection;
using Google.Protobuf;
using MlNetMoco.Core.Onnx.Protos;

namespace MlNetMoco.Core.Onnx;

/// <summary>
/// Wraps a graph in an ONNX <see cref="ModelProto"/> (IR version <see cref="IrVersion"/>, default-domain opset
/// <see cref="OpsetVersion"/>) with producer information and <c>metadata_props</c>, and serialises it.
/// </summary>
/// <example>
/// <code>
/// var writer = new OnnxModelWriter { DocString = "MoCo v2 ResNet-18 encoder" };
/// writer.Metadata["mlnetmoco.backbone"] = "resnet18";
/// writer.WriteFile(builder.Build(), "encoder.onnx");
/// </code>
/// </example>
public sealed class OnnxModelWriter
{
    /// <summary>ONNX IR version written (8: accepted by onnx ≥ 1.10 checkers and current ONNX Runtime).</summary>
    public const long IrVersion = 8;

    /// <summary>Version of the default ONNX operator set (<c>ai.onnx</c>) imported by the model.</summary>
    public const long OpsetVersion = 17;

    /// <summary>The ONNX-ML operator set (<c>ai.onnx.ml</c>) version imported when a node of that domain is present (2: <c>LabelEncoder</c> with <c>keys_strings</c>).</summary>
    public const long MlOpsetVersion = 2;

    /// <summary>The ONNX-ML operator set's domain.</summary>
    public const string MlDomain = "ai.onnx.ml";

    /// <summary><c>producer_name</c>; defaults to "MlNetMoco".</summary>
    public string ProducerName { get; set; } = "MlNetMoco";

    /// <summary><c>producer_version</c>; defaults to this assembly's version.</summary>
    public string ProducerVersion { get; set; } = DefaultProducerVersion();

    /// <summary><c>domain</c> (reverse-DNS model namespace), or <see langword="null"/> to omit it.</summary>
    public string? Domain { get; set; }

    /// <summary><c>model_version</c>, or <see langword="null"/> to omit it.</summary>
    public long? ModelVersion { get; set; }

    /// <summary><c>doc_string</c> of the model, or <see langword="null"/> to omit it.</summary>
    public string? DocString { get; set; }

    /// <summary>Key/value pairs written as <c>metadata_props</c> (in ordinal key order, so output is deterministic).</summary>
    public IDictionary<string, string> Metadata { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The model message for <paramref name="graph"/> with this writer's settings.</summary>
    public ModelProto CreateModel(GraphProto graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (graph.Output.Count == 0) throw new ArgumentException("The graph has no outputs.", nameof(graph));
        var model = new ModelProto { IrVersion = IrVersion, Graph = graph, ProducerName = ProducerName, ProducerVersion = ProducerVersion };
        if (Domain is not null) model.Domain = Domain;
        if (ModelVersion is long version) model.ModelVersion = version;
        if (DocString is not null) model.DocString = DocString;
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OpsetVersion });
        if (graph.Node.Any(n => n.Domain == MlDomain))
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = MlDomain, Version = MlOpsetVersion });
        foreach ((string key, string value) in Metadata)
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value ?? throw new ArgumentException($"Metadata '{key}' has a null value.") });
        return model;
    }

    /// <summary>The serialised <c>.onnx</c> bytes of <paramref name="graph"/>.</summary>
    /// <exception cref="InvalidOperationException">The model exceeds protobuf's 2 GiB message limit.</exception>
    public byte[] ToBytes(GraphProto graph) => CheckSize(CreateModel(graph)).ToByteArray();

    /// <summary>Writes the <c>.onnx</c> bytes of <paramref name="graph"/> to <paramref name="destination"/> (left open).</summary>
    /// <exception cref="InvalidOperationException">The model exceeds protobuf's 2 GiB message limit.</exception>
    public void Write(GraphProto graph, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        CheckSize(CreateModel(graph)).WriteTo(destination);
    }

    /// <summary>Writes the model to <paramref name="path"/> atomically (temporary file in the same folder, then rename).</summary>
    /// <exception cref="InvalidOperationException">The model exceeds protobuf's 2 GiB message limit.</exception>
    public void WriteFile(GraphProto graph, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ModelProto model = CheckSize(CreateModel(graph));
        string full = Path.GetFullPath(path);
        string temp = full + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                model.WriteTo(file);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>
    /// Refuses models of 2 GiB or more before serialising: protobuf sizes are 32-bit, and this writer keeps every
    /// initializer inside the file (no external tensor data). The sum is taken in 64 bits over the parts.
    /// </summary>
    private static ModelProto CheckSize(ModelProto model)
    {
        long size = 64; // header fields and tags
        foreach (TensorProto tensor in model.Graph.Initializer) size += tensor.CalculateSize() + 16L;
        foreach (NodeProto node in model.Graph.Node) size += node.CalculateSize() + 16L;
        foreach (StringStringEntryProto entry in model.MetadataProps) size += entry.CalculateSize() + 16L;
        if (size >= int.MaxValue)
            throw new InvalidOperationException(
                $"The ONNX model would take about {size / (1L << 20)} MiB, over protobuf's 2 GiB limit (external tensor data is not supported).");
        return model;
    }

    private static string DefaultProducerVersion()
    {
        Assembly assembly = typeof(OnnxModelWriter).Assembly;
        string? informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (!string.IsNullOrEmpty(informational))
        {
            int plus = informational.IndexOf('+', StringComparison.Ordinal);
            return plus >= 0 ? informational[..plus] : informational;
        }
        return assembly.GetName().Version?.ToString() ?? "0.0.0";
    }
}
