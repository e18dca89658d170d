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
public sealed class OnnxGraphBuilder
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

    // ---------------------------------------------------------------- operators

    /// <summary>
    /// <c>Conv</c>: <paramref name="weight"/> is [M, C/group, kH, kW]; <paramref name="pads"/> are in ONNX order
    /// (all begins, then all ends — see <see cref="SymmetricPads"/>). <c>kernel_shape</c> is written when the weight
    /// is an initializer of this builder.
    /// </summary>
    public string Conv(string input, string weight, string? bias = null, long[]? strides = null, long[]? pads = null,
        long group = 1, long[]? dilations = null, string? output = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(group, 1);
        var attributes = new List<AttributeProto>();
        if (InitializerShape(weight) is { Count: > 2 } w)
        {
            int spatial = w.Count - 2;
            attributes.Add(AttributeProto.IntList("kernel_shape", w.Skip(2)));
            CheckLength(strides, spatial, nameof(strides));
            CheckLength(dilations, spatial, nameof(dilations));
            CheckLength(pads, 2 * spatial, nameof(pads));
        }
        if (strides is not null) attributes.Add(AttributeProto.IntList("strides", strides));
        if (pads is not null) attributes.Add(AttributeProto.IntList("pads", pads));
        if (dilations is not null) attributes.Add(AttributeProto.IntList("dilations", dilations));
        attributes.Add(AttributeProto.Int("group", group));
        string[] inputs = bias is null ? [input, weight] : [input, weight, bias];
        return AddNode("Conv", inputs, attributes, output);
    }

    /// <summary><c>BatchNormalization</c> in inference form: (x − mean)/√(var + ε)·scale + bias with the stored statistics.</summary>
    public string BatchNormalization(string input, string scale, string bias, string mean, string variance,
        float epsilon = 1e-5f, string? output = null) =>
        AddNode("BatchNormalization", [input, scale, bias, mean, variance], [AttributeProto.Float("epsilon", epsilon)], output);

    /// <summary><c>Relu</c>.</summary>
    public string Relu(string input, string? output = null) => AddNode("Relu", [input], null, output);

    /// <summary><c>MaxPool</c> (one output); <paramref name="pads"/> in ONNX order (see <see cref="SymmetricPads"/>).</summary>
    public string MaxPool(string input, long[] kernelShape, long[]? strides = null, long[]? pads = null,
        bool ceilMode = false, long[]? dilations = null, string? output = null)
    {
        ArgumentNullException.ThrowIfNull(kernelShape);
        CheckLength(strides, kernelShape.Length, nameof(strides));
        CheckLength(dilations, kernelShape.Length, nameof(dilations));
        CheckLength(pads, 2 * kernelShape.Length, nameof(pads));
        var attributes = new List<AttributeProto> { AttributeProto.IntList("kernel_shape", kernelShape) };
        if (strides is not null) attributes.Add(AttributeProto.IntList("strides", strides));
        if (pads is not null) attributes.Add(AttributeProto.IntList("pads", pads));
        if (dilations is not null) attributes.Add(AttributeProto.IntList("dilations", dilations));
        if (ceilMode) attributes.Add(AttributeProto.Int("ceil_mode", 1));
        return AddNode("MaxPool", [input], attributes, output);
    }

    /// <summary><c>Add</c> (numpy broadcasting).</summary>
    public string Add(string a, string b, string? output = null) => AddNode("Add", [a, b], null, output);

    /// <summary><c>Sub</c>: a − b (numpy broadcasting).</summary>
    public string Sub(string a, string b, string? output = null) => AddNode("Sub", [a, b], null, output);

    /// <summary><c>Mul</c> (numpy broadcasting).</summary>
    public string Mul(string a, string b, string? output = null) => AddNode("Mul", [a, b], null, output);

    /// <summary><c>Div</c>: a / b (numpy broadcasting).</summary>
    public string Div(string a, string b, string? output = null) => AddNode("Div", [a, b], null, output);

    /// <summary><c>GlobalAveragePool</c>: [N, C, H, W] → [N, C, 1, 1].</summary>
    public string GlobalAveragePool(string input, string? output = null) => AddNode("GlobalAveragePool", [input], null, output);

    /// <summary><c>Flatten</c>: dimensions before <paramref name="axis"/> form the rows, the rest the columns.</summary>
    public string Flatten(string input, long axis = 1, string? output = null) =>
        AddNode("Flatten", [input], [AttributeProto.Int("axis", axis)], output);

    /// <summary>
    /// <c>Gemm</c>: α·A·Bᵀ + β·C with <paramref name="transB"/> (the default, matching a torch <c>Linear</c> weight
    /// [out, in]); <paramref name="c"/> is the optional bias.
    /// </summary>
    public string Gemm(string a, string b, string? c = null, bool transB = true, float alpha = 1f, float beta = 1f, string? output = null)
    {
        var attributes = new List<AttributeProto>();
        if (alpha != 1f) attributes.Add(AttributeProto.Float("alpha", alpha));
        if (beta != 1f) attributes.Add(AttributeProto.Float("beta", beta));
        if (transB) attributes.Add(AttributeProto.Int("transB", 1));
        string[] inputs = c is null ? [a, b] : [a, b, c];
        return AddNode("Gemm", inputs, attributes, output);
    }

    /// <summary><c>Reshape</c> to the int64 shape held by value <paramref name="shape"/> (−1 infers one dimension, 0 copies it).</summary>
    public string Reshape(string data, string shape, string? output = null) => AddNode("Reshape", [data, shape], null, output);

    /// <summary>
    /// <c>Reshape</c> to a constant shape, stored as an int64 initializer. 0 copies the input's dimension and −1
    /// infers one; prefer 0 for the batch (e.g. [0, C, H, W]) so shape inference keeps the symbolic "N".
    /// </summary>
    public string Reshape(string data, long[] shape, string? output = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        string shapeName = AddInt64Initializer(FreshName((output ?? "Reshape") + "_shape"), shape, shape.Length);
        return Reshape(data, shapeName, output);
    }

    /// <summary><c>MatMul</c>: numpy matrix product (batched over leading dimensions).</summary>
    public string MatMul(string a, string b, string? output = null) => AddNode("MatMul", [a, b], null, output);

    /// <summary><c>Transpose</c> with the permutation <paramref name="perm"/> (output axis i is input axis perm[i]).</summary>
    public string Transpose(string input, long[] perm, string? output = null)
    {
        ArgumentNullException.ThrowIfNull(perm);
        return AddNode("Transpose", [input], [AttributeProto.IntList("perm", perm)], output);
    }

    /// <summary><c>Softmax</c> along <paramref name="axis"/> (opset 13+: that axis alone).</summary>
    public string Softmax(string input, long axis = -1, string? output = null) =>
        AddNode("Softmax", [input], [AttributeProto.Int("axis", axis)], output);

    /// <summary><c>Erf</c>, the error function, element-wise.</summary>
    public string Erf(string input, string? output = null) => AddNode("Erf", [input], null, output);

    /// <summary>
    /// <c>LayerNormalization</c> (opset 17) over the axes from <paramref name="axis"/> on: (x − mean)/√(var + ε)·scale + bias,
    /// as torch's <c>LayerNorm</c> over the last dimension with the default axis −1.
    /// </summary>
    public string LayerNormalization(string input, string scale, string bias, long axis = -1, float epsilon = 1e-5f, string? output = null) =>
        AddNode("LayerNormalization", [input, scale, bias], [AttributeProto.Int("axis", axis), AttributeProto.Float("epsilon", epsilon)], output);

    /// <summary><c>Concat</c> of <paramref name="inputs"/> along <paramref name="axis"/>.</summary>
    public string Concat(IEnumerable<string> inputs, long axis, string? output = null) =>
        AddNode("Concat", inputs, [AttributeProto.Int("axis", axis)], output);

    /// <summary><c>Gather</c>: the entries of <paramref name="data"/> along <paramref name="axis"/> at <paramref name="indices"/> (a rank-0 index drops the axis).</summary>
    public string Gather(string data, string indices, long axis = 0, string? output = null) =>
        AddNode("Gather", [data, indices], [AttributeProto.Int("axis", axis)], output);

    /// <summary><c>Shape</c>: the int64 shape of <paramref name="input"/>, dimensions <paramref name="start"/> to <paramref name="end"/> (exclusive; null: to the last).</summary>
    public string Shape(string input, long start = 0, long? end = null, string? output = null)
    {
        var attributes = new List<AttributeProto>();
        if (start != 0) attributes.Add(AttributeProto.Int("start", start));
        if (end is { } e) attributes.Add(AttributeProto.Int("end", e));
        return AddNode("Shape", [input], attributes, output);
    }

    /// <summary><c>Expand</c>: broadcasts <paramref name="input"/> to the int64 shape held by value <paramref name="shape"/>.</summary>
    public string Expand(string input, string shape, string? output = null) => AddNode("Expand", [input, shape], null, output);

    /// <summary>ONNX pads (all begins, then all ends) for symmetric padding <paramref name="perAxis"/> (torch's <c>padding</c>).</summary>
    public static long[] SymmetricPads(params long[] perAxis)
    {
        ArgumentNullException.ThrowIfNull(perAxis);
        return [.. perAxis, .. perAxis];
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
