using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using TorchOptimizerOptions = TorchSharp.Modules.OptimizerOptions;

namespace MlNetMoco.Core.Optimization;

/// <summary>
/// LARS, layer-wise adaptive rate scaling (You et al. 2017, "Large Batch Training of Convolutional Networks"), as
/// facebookresearch/moco-v3 implements it for its ResNet-50 recipe: for every parameter with a gradient g,
/// <list type="bullet">
/// <item>weight matrices and kernels (2 or more dimensions): d = g + wd·θ, then d ← d·η‖θ‖/‖d‖ when both norms are
/// positive (η the trust coefficient);</item>
/// <item>biases and normalisation parameters (1 dimension): d = g, neither decayed nor scaled;</item>
/// </list>
/// then μ ← m·μ + d (μ starts at 0) and θ ← θ − lr·μ. Its state (μ per parameter) is saved and restored by
/// <c>save_state_dict</c>/<c>load_state_dict</c> like TorchSharp's own optimizers.
/// </summary>
public sealed class Lars : OptimizerHelper
{
    /// <summary>Creates the optimizer over parameter groups.</summary>
    /// <param name="groups">The groups; a group's options left null take the defaults below.</param>
    /// <param name="learningRate">Learning rate (usually set per step by the schedule).</param>
    /// <param name="momentum">Momentum m. Default 0.9 (MoCo v3).</param>
    /// <param name="weightDecay">Weight decay of the weight matrices. Default 0 (MoCo v3's ResNet-50 recipe uses 1e-6).</param>
    /// <param name="trustCoefficient">Trust coefficient η. Default 0.001 (You et al. 2017, MoCo v3).</param>
    public Lars(IEnumerable<ParamGroup> groups, double learningRate, double momentum = 0.9, double weightDecay = 0, double trustCoefficient = 0.001)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (!(learningRate >= 0)) throw new ArgumentException($"Invalid learning rate: {learningRate}.", nameof(learningRate));
        if (momentum is < 0 or >= 1) throw new ArgumentException($"Invalid momentum: {momentum}.", nameof(momentum));
        if (!(weightDecay >= 0)) throw new ArgumentException($"Invalid weight decay: {weightDecay}.", nameof(weightDecay));
        if (!(trustCoefficient > 0)) throw new ArgumentException($"Invalid trust coefficient: {trustCoefficient}.", nameof(trustCoefficient));
        _defaults = new Options
        {
            LearningRate = learningRate, InitialLearningRate = learningRate, Momentum = momentum, WeightDecay = weightDecay,
            TrustCoefficient = trustCoefficient,
        };
        _parameter_groups = new List<TorchSharp.Modules.ParamGroup>();
        foreach (var group in groups) add_param_group(group);
    }

    /// <summary>Applies one update to every parameter that has a gradient.</summary>
    /// <param name="closure">Unused by this algorithm; accepted for the <c>Optimizer</c> contract.</param>
    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var options = group.Options;
        // Explicit scalars: an implicit double → Scalar temporary may be finalised during the native call using it.
        using var lr = (-options.LearningRate!.Value).ToScalar();
        using var momentum = options.Momentum!.Value.ToScalar();
        using var weightDecay = options.WeightDecay!.Value.ToScalar();
        using var trust = options.TrustCoefficient!.Value.ToScalar();
        using var zero = 0.0.ToScalar();
        foreach (var parameter in group.Parameters)
        {
            var state = (State)_state[parameter.Handle];
            var grad = parameter.grad;
            if (grad is null) continue;
            var update = grad;
            if (parameter.ndim > 1)
            {
                update = grad.add(parameter, weightDecay);
                var parameterNorm = parameter.norm();
                var updateNorm = update.norm();
                var one = ones_like(parameterNorm);
                var q = where(parameterNorm.gt(zero), where(updateNorm.gt(zero), parameterNorm.mul(trust).div(updateNorm), one), one);
                update = update.mul(q);
            }
            state.Mu.mul_(momentum).add_(update, HeldScalars.One); // alpha held: add_(x) makes a temporary Scalar
            parameter.add_(state.Mu, lr);
        }
    }, closure);

    /// <inheritdoc />
    public override void add_param_group(TorchSharp.Modules.ParamGroup param_group)
    {
        ArgumentNullException.ThrowIfNull(param_group);
        var defaults = (Options)_defaults;
        param_group.Options ??= new Options();
        var options = (Options)param_group.Options;
        options.LearningRate ??= defaults.LearningRate;
        options.Momentum ??= defaults.Momentum;
        options.WeightDecay ??= defaults.WeightDecay;
        options.TrustCoefficient ??= defaults.TrustCoefficient;
        options.InitialLearningRate = options.LearningRate!.Value;
        _parameter_groups.Add(param_group);
        foreach (var p in param_group.Parameters)
        {
            var state = new State(p);
            _state[p.Handle] = state;
            state.Initialize(options);
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        foreach (var (_, state) in _state) ((State)state).Dispose();
        _state.Clear();
    }

    /// <summary>A group's hyper-parameters.</summary>
    public sealed class Options : TorchOptimizerOptions
    {
        /// <summary>Momentum m.</summary>
        public double? Momentum { get; set; }

        /// <summary>Weight decay of the weight matrices.</summary>
        public double? WeightDecay { get; set; }

        /// <summary>Trust coefficient η.</summary>
        public double? TrustCoefficient { get; set; }

        /// <inheritdoc />
        public override void SaveStateDict(BinaryWriter writer)
        {
            base.SaveStateDict(writer);
            writer.Write(Momentum!.Value);
            writer.Write(WeightDecay!.Value);
            writer.Write(TrustCoefficient!.Value);
        }

        /// <inheritdoc />
        public override void LoadStateDict(BinaryReader reader)
        {
            base.LoadStateDict(reader);
            Momentum = reader.ReadDouble();
            WeightDecay = reader.ReadDouble();
            TrustCoefficient = reader.ReadDouble();
        }

        /// <inheritdoc />
        public override void LoadStateDict(TorchOptimizerOptions source)
        {
            base.LoadStateDict(source);
            var other = (Options)source;
            Momentum = other.Momentum;
            WeightDecay = other.WeightDecay;
            TrustCoefficient = other.TrustCoefficient;
        }
    }

    /// <summary>A group of parameters with its own <see cref="Options"/>.</summary>
    public sealed class ParamGroup : ParamGroup<Options>
    {
        /// <summary>A group that takes every option from the optimizer's defaults.</summary>
        public ParamGroup()
        {
        }

        /// <summary>A group of <paramref name="parameters"/> with <paramref name="options"/> (null values take the defaults).</summary>
        /// <param name="parameters">The parameters.</param>
        /// <param name="options">The options.</param>
        public ParamGroup(IEnumerable<Parameter> parameters, Options? options = null) : base(parameters, options ?? new Options())
        {
        }
    }

    /// <summary>The momentum buffer μ of one parameter.</summary>
    public sealed class State : OptimizerState, IDisposable
    {
        private Tensor? _mu;

        /// <summary>Creates the state of <paramref name="parameter"/>.</summary>
        /// <param name="parameter">The parameter.</param>
        public State(Parameter parameter) : base(parameter)
        {
        }

        /// <summary>The momentum buffer (zeros until the first step).</summary>
        public Tensor Mu => _mu ?? throw new InvalidOperationException("The LARS state is not initialised.");

        /// <inheritdoc />
        public override void Initialize(TorchOptimizerOptions options)
        {
            _mu?.Dispose();
            _mu = zeros_like(_parameter).DetachFromDisposeScope();
        }

        /// <inheritdoc />
        public override void SaveStateDict(BinaryWriter writer) => SaveConditionalStateTensor(writer, Mu);

        /// <inheritdoc />
        public override void LoadStateDict(BinaryReader reader)
        {
            Tensor? mu = _mu;
            LoadConditionalStateTensor(reader, ref mu!, _parameter.device);
            _mu = mu?.DetachFromDisposeScope();
        }

        /// <inheritdoc />
        public override void LoadStateDict(OptimizerState source)
        {
            var other = (State)source;
            _mu?.Dispose();
            _mu = other.Mu.to(_parameter.device, copy: true).DetachFromDisposeScope();
        }

        /// <inheritdoc />
        public override bool ApproximatelyEquals(OptimizerState other) => other is State s && Mu.allclose(s.Mu);

        /// <inheritdoc />
        public override void to(Device device) => _mu = _mu?.to(device, disposeAfter: true);

        /// <summary>Releases the buffer.</summary>
        public void Dispose()
        {
            _mu?.Dispose();
            _mu = null;
        }
    }
}
