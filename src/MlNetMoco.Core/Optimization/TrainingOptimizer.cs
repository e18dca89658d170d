using System.Text;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Optimization;

/// <summary>
/// The optimizer of a training run: <c>torch.optim.SGD</c>, <c>torch.optim.AdamW</c> or <see cref="Lars"/> over a
/// method's <see cref="ParameterGroup"/>s. It sets each group's learning rate from the scheduled one, clears gradients
/// (to none, as PyTorch's <c>zero_grad()</c>), steps, and saves its state with the parameter names so that a checkpoint
/// resumes exactly and a state saved for other parameters is refused by name.
/// </summary>
public sealed class TrainingOptimizer : IDisposable
{
    private const string StateMagic = "MLNETMOCO-OPT";
    private readonly OptimizerHelper _optimizer;
    private readonly ParameterGroup[] _groups;
    private readonly TorchSharp.Modules.ParamGroup[] _torchGroups;
    private readonly Parameter[] _parameters;

    private TrainingOptimizer(OptimizerOptions options, ParameterGroup[] groups)
    {
        Options = options;
        _groups = groups;
        _parameters = groups.SelectMany(g => g.Parameters.Select(p => p.Parameter)).ToArray();
        ParameterNames = groups.SelectMany(g => g.Parameters.Select(p => $"{g.Name}/{p.Name}")).ToArray();
        _optimizer = options.Kind switch
        {
            OptimizerKind.Sgd => optim.SGD(groups.Select(g => new SGD.ParamGroup(Trainable(g), momentum: options.Momentum,
                weight_decay: g.WeightDecay ?? options.WeightDecay)), 0, options.Momentum, weight_decay: options.WeightDecay),
            OptimizerKind.AdamW => optim.AdamW(groups.Select(g => new AdamW.ParamGroup(Trainable(g), beta1: options.Beta1, beta2: options.Beta2,
                eps: options.Epsilon, weight_decay: g.WeightDecay ?? options.WeightDecay)), 0, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay),
            OptimizerKind.Lars => new Lars(groups.Select(g => new Lars.ParamGroup(Trainable(g), new Lars.Options
            {
                WeightDecay = g.WeightDecay ?? options.WeightDecay,
            })), 0, options.Momentum, options.WeightDecay, options.TrustCoefficient),
            _ => throw new ArgumentException($"Unknown optimizer {options.Kind}.", nameof(options)),
        };
        _torchGroups = _optimizer.ParamGroups.Cast<TorchSharp.Modules.ParamGroup>().ToArray();
    }

    /// <summary>Creates the optimizer of <paramref name="options"/> over <paramref name="groups"/>.</summary>
    /// <param name="options">Algorithm and hyper-parameters (validated).</param>
    /// <param name="groups">The parameters; those that do not require gradients are left out. No parameter may appear twice.</param>
    /// <exception cref="ArgumentException">Invalid options, no trainable parameter, a parameter in two groups, or a negative group setting.</exception>
    public static TrainingOptimizer Create(OptimizerOptions options, IEnumerable<ParameterGroup> groups)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(groups);
        options.Validate();
        var list = groups.Select(g => g with { Parameters = g.Parameters.Where(p => p.Parameter.requires_grad).ToArray() })
            .Where(g => g.Parameters.Count > 0).ToArray();
        if (list.Length == 0) throw new ArgumentException("The method has no trainable parameter.", nameof(groups));
        var seen = new HashSet<IntPtr>();
        foreach (var g in list)
        {
            if (!(g.LearningRateScale >= 0) || g.WeightDecay is < 0)
                throw new ArgumentException($"Parameter group '{g.Name}' has a negative learning-rate scale or weight decay.", nameof(groups));
            foreach (var (name, p) in g.Parameters)
                if (!seen.Add(p.Handle)) throw new ArgumentException($"Parameter '{name}' appears in two parameter groups.", nameof(groups));
        }
        return new TrainingOptimizer(options, list);
    }

    /// <summary>The algorithm and its hyper-parameters.</summary>
    public OptimizerOptions Options { get; }

    /// <summary>The parameters updated, as "group/name", in the optimizer's order.</summary>
    public IReadOnlyList<string> ParameterNames { get; }

    /// <summary>The TorchSharp optimizer itself.</summary>
    public optim.Optimizer Optimizer => _optimizer;

    /// <summary>Sets each group's rate to <paramref name="learningRate"/> × its <see cref="ParameterGroup.LearningRateScale"/>.</summary>
    /// <param name="learningRate">The scheduled rate of this step.</param>
    public void SetLearningRate(double learningRate)
    {
        for (int i = 0; i < _groups.Length; i++) _torchGroups[i].LearningRate = learningRate * _groups[i].LearningRateScale;
    }

    /// <summary>The rate of group <paramref name="index"/> (for progress reports and tests).</summary>
    /// <param name="index">Position of the group.</param>
    public double LearningRateOf(int index) => _torchGroups[index].LearningRate;

    /// <summary>Sets every gradient to none (PyTorch's <c>zero_grad(set_to_none=True)</c>): no memset, and backward allocates fresh.</summary>
    public void ZeroGrad()
    {
        foreach (var p in _parameters)
        {
            using var grad = p.grad;
            if (grad is not null) p.grad = null;
        }
    }

    /// <summary>Applies one update to every parameter that has a gradient.</summary>
    public void Step() => _optimizer.step();

    /// <summary>
    /// The optimizer's state (hyper-parameters, moment buffers, step counts) with the algorithm and the parameter names,
    /// as bytes for a checkpoint.
    /// </summary>
    public byte[] SaveState()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(StateMagic);
            writer.Write(Options.Kind.ToString());
            writer.Write(ParameterNames.Count);
            foreach (var name in ParameterNames) writer.Write(name);
            _optimizer.save_state_dict(writer);
        }
        return stream.ToArray();
    }

    /// <summary>Restores a state written by <see cref="SaveState"/> for the same algorithm and parameters.</summary>
    /// <param name="state">The bytes.</param>
    /// <exception cref="InvalidDataException">The state is of another algorithm, for other parameters (the first difference is named), or corrupt.</exception>
    public void LoadState(byte[] state)
    {
        ArgumentNullException.ThrowIfNull(state);
        using var reader = new BinaryReader(new MemoryStream(state, writable: false), Encoding.UTF8);
        try
        {
            if (reader.ReadString() != StateMagic) throw new InvalidDataException("The optimizer state is not an MlNetMoco optimizer state.");
            string kind = reader.ReadString();
            if (kind != Options.Kind.ToString())
                throw new InvalidDataException($"The optimizer state is of {kind}, this run uses {Options.Kind}.");
            int count = reader.ReadInt32();
            var names = new string[count];
            for (int i = 0; i < count; i++) names[i] = reader.ReadString();
            for (int i = 0; i < Math.Max(count, ParameterNames.Count); i++)
            {
                string? saved = i < count ? names[i] : null, current = i < ParameterNames.Count ? ParameterNames[i] : null;
                if (saved != current)
                    throw new InvalidDataException(
                        $"The optimizer state does not match the parameters: at position {i} it has {Describe(saved)}, the model {Describe(current)}.");
            }
            _optimizer.load_state_dict(reader);
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentException or IOException)
        {
            throw new InvalidDataException($"The optimizer state is corrupt: {e.Message}", e);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _optimizer.Dispose();

    private static Parameter[] Trainable(ParameterGroup group) => group.Parameters.Select(p => p.Parameter).ToArray();

    private static string Describe(string? name) => name is null ? "nothing" : $"'{name}'";
}
