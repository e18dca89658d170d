using System.Globalization;
using MlNetMoco.Core.Onnx.Protos;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Onnx;

/// <summary>
/// Builds an ONNX <see cref="GraphProto"/> (default domain, opset 17 semantics) one operator at a time. Every
/// method returns the name of the value it defines, to be passed to later calls; values must be defined before
/// they are used, so nodes come out in topological order. Graph inputs and outputs are float32 with a leading
/// symbolic batch dimension <see cref="BatchDimension"/> unless declared otherwise.
/// </summary>
/// <example>
/// <code>
/// var g = new OnnxGraphBuilder("encoder");
/// string x = g.AddInput("input", 3, 32, 32);                          // float[N,3,32,32]
/// string w = g.AddInitializer("conv1.weight", convWeight);           // TorchSharp tensor → float32 initializer
/// string y = g.Relu(g.Conv(x, w, pads: OnnxGraphBuilder.SymmetricPads(1, 1)));
/// y = g.Flatten(g.GlobalAveragePool(y), output: "features");
/// g.AddOutput(y, 64);                                                 // float[N,64]
/// byte[] onnx = new OnnxModelWriter().ToBytes(g.Build());
/// </code>
/// </example>
public sealed partial class OnnxGraphBuilder
{
    /// <summary>The symbolic name (<c>dim_param</c>) of the batch dimension of inputs and outputs.</summary>
    public const string BatchDimension = "N";

    private readonly GraphProto _graph;
    private readonly HashSet<string> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long[]> _initializerShapes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _nameCounters = new(StringComparer.Ordinal);

    /// <summary>Starts an empty graph named <paramref name="graphName"/>.</summary>
    public OnnxGraphBuilder(string graphName = "main")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(graphName);
        _graph = new GraphProto { Name = graphName };
    }

    /// <summary>Names of all values defined so far (inputs, initializers and node outputs).</summary>
    public IReadOnlyCollection<string> Values => _values;

    /// <summary>Whether a value called <paramref name="name"/> is defined.</summary>
    public bool Contains(string name) => _values.Contains(name);

    /// <summary>The shape of initializer <paramref name="name"/>, or <see langword="null"/> when it is not an initializer.</summary>
    public IReadOnlyList<long>? InitializerShape(string name) => _initializerShapes.TryGetValue(name, out long[]? s) ? s : null;

    // ---------------------------------------------------------------- inputs, outputs, initializers

    /// <summary>Declares a float32 graph input of shape [N, <paramref name="dimsAfterBatch"/>…] with symbolic batch N.</summary>
    public string AddInput(string name, params long[] dimsAfterBatch) =>
        AddInput(name, TensorProto.Types.DataType.Float, BatchedShape(dimsAfterBatch));

    /// <summary>Declares a graph input of the given element type and shape (fixed and/or symbolic dimensions).</summary>
    public string AddInput(string name, TensorProto.Types.DataType elementType, params TensorShapeProto.Types.Dimension[] shape)
    {
        Define(name);
        _graph.Input.Add(new ValueInfoProto { Name = name, Type = TypeProto.TensorOf(elementType, shape) });
        return name;
    }

    /// <summary>Declares the existing value <paramref name="value"/> a float32 graph output of shape [N, <paramref name="dimsAfterBatch"/>…].</summary>
    public string AddOutput(string value, params long[] dimsAfterBatch) =>
        AddOutput(value, TensorProto.Types.DataType.Float, BatchedShape(dimsAfterBatch));

    /// <summary>Declares the existing value <paramref name="value"/> a graph output of the given element type and shape.</summary>
    public string AddOutput(string value, TensorProto.Types.DataType elementType, params TensorShapeProto.Types.Dimension[] shape)
    {
        RequireDefined(value, "graph output");
        if (_graph.Output.Any(o => o.Name == value)) throw new ArgumentException($"'{value}' is already a graph output.", nameof(value));
        _graph.Output.Add(new ValueInfoProto { Name = value, Type = TypeProto.TensorOf(elementType, shape) });
        return value;
    }

    /// <summary>Adds a float32 initializer of shape <paramref name="shape"/> holding <paramref name="data"/> (row-major).</summary>
    public string AddInitializer(string name, ReadOnlySpan<float> data, params ReadOnlySpan<long> shape) =>
        AddInitializer(TensorProto.FromFloats(name, data, shape));

    /// <summary>Adds a float32 initializer copied from a TorchSharp tensor (any device and dtype; converted to float32 on the CPU).</summary>
    public string AddInitializer(string name, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return AddInitializer(name, TorchTensorData.ToFloatArray(tensor), tensor.shape);
    }

    /// <summary>Adds an int64 initializer (e.g. a Reshape target shape) of shape <paramref name="shape"/>.</summary>
    public string AddInt64Initializer(string name, ReadOnlySpan<long> data, params ReadOnlySpan<long> shape) =>
        AddInitializer(TensorProto.FromInt64s(name, data, shape));

    /// <summary>Adds a prepared initializer tensor.</summary>
    public string AddInitializer(TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        Define(tensor.Name);
        _graph.Initializer.Add(tensor);
        _initializerShapes[tensor.Name] = tensor.Dims.ToArray();
        return tensor.Name;
    }

    // ---------------------------------------------------------------- generic node

    /// <summary>
    /// Adds a node of the default domain with one output and returns the output's name
    /// (<paramref name="output"/>, or a fresh name derived from <paramref name="opType"/>).
    /// </summary>
    public string AddNode(string opType, IEnumerable<string> inputs, IEnumerable<AttributeProto>? attributes = null, string? output = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(opType);
        ArgumentNullException.ThrowIfNull(inputs);
        var node = new NodeProto { OpType = opType };
        foreach (string input in inputs)
        {
            RequireDefined(input, $"input of {opType}");
            node.Input.Add(input);
        }
        if (attributes is not null) node.Attribute.AddRange(attributes);
        string name = output ?? FreshName(opType);
        Define(name);
        node.Output.Add(name);
        node.Name = name;
        _graph.Node.Add(node);
        return name;
    }

    /// <summary>
    /// Adds a node of operator set <paramref name="domain"/> (e.g. <c>ai.onnx.ml</c>; <see cref="OnnxModelWriter"/>
    /// imports the domains the graph uses) named <paramref name="nodeName"/>, with one output, and returns the output's name.
    /// </summary>
    public string AddNode(string domain, string opType, string nodeName, IEnumerable<string> inputs, IEnumerable<AttributeProto>? attributes, string output)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentException.ThrowIfNullOrWhiteSpace(nodeName);
        string name = AddNode(opType, inputs, attributes, output);
        var node = _graph.Node[^1];
        node.Domain = domain;
        node.Name = nodeName;
        return name;
    }

    // ---------------------------------------------------------------- result

    /// <summary>The graph built so far (the live object: later calls keep changing it).</summary>
    /// <exception cref="InvalidOperationException">No graph output was declared.</exception>
    public GraphProto Build()
    {
        if (_graph.Output.Count == 0) throw new InvalidOperationException("The graph has no outputs; call AddOutput first.");
        return _graph;
    }

    // ---------------------------------------------------------------- helpers

    private static TensorShapeProto.Types.Dimension[] BatchedShape(long[] dimsAfterBatch)
    {
        ArgumentNullException.ThrowIfNull(dimsAfterBatch);
        return [TensorShapeProto.Types.Dimension.Symbolic(BatchDimension), .. dimsAfterBatch.Select(TensorShapeProto.Types.Dimension.Fixed)];
    }

    private void Define(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!_values.Add(name)) throw new ArgumentException($"A value named '{name}' is already defined in graph '{_graph.Name}'.", nameof(name));
    }

    private void RequireDefined(string name, string role)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!_values.Contains(name))
            throw new ArgumentException($"Unknown value '{name}' used as {role}; define it first (input, initializer or node output).");
    }

    private string FreshName(string prefix)
    {
        _nameCounters.TryGetValue(prefix, out int next);
        for (int i = next; ; i++)
        {
            string candidate = string.Create(CultureInfo.InvariantCulture, $"{prefix}_{i}");
            if (_values.Contains(candidate)) continue;
            _nameCounters[prefix] = i + 1;
            return candidate;
        }
    }

    private static void CheckLength(long[]? values, int expected, string parameter)
    {
        if (values is not null && values.Length != expected)
            throw new ArgumentException($"{parameter} needs {expected} value(s), got {values.Length}.", parameter);
    }
}
