using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Training;

/// <summary>
/// A quick linear probe: multinomial logistic regression (softmax over a linear map, cross-entropy loss with an L2
/// penalty) trained with a fixed number of full-batch Adam steps (Kingma and Ba 2015) on inputs standardised per
/// dimension with the training rows' mean and std, then scored on held-out rows. It is the cheap, deterministic check
/// behind the training report (<see cref="LinearProbeEvaluator"/>): a few thousand rows take a few seconds at most;
/// it is not the papers' linear protocol (SGD over augmented images, <c>main_lincls.py</c>).
/// </summary>
/// <remarks>
/// The weights start from N(0, 0.01²) drawn from a generator seeded with <see cref="Seed"/> and the bias from 0;
/// the same inputs and seed give the same result on the same device.
/// </remarks>
public sealed class LinearProbe
{
    private const double InitStd = 0.01;
    private const double MinStd = 1e-6;

    /// <summary>Creates a probe.</summary>
    /// <param name="steps">Full-batch Adam steps. Default 200 (<see cref="MoCoDefaults.ReportProbeSteps"/>).</param>
    /// <param name="learningRate">Adam learning rate. Default 0.05 (<see cref="MoCoDefaults.ReportProbeLearningRate"/>).</param>
    /// <param name="weightDecay">L2 weight decay of the weights and bias. Default 1e-3 (<see cref="MoCoDefaults.ReportProbeWeightDecay"/>).</param>
    /// <param name="seed">Seed of the initial weights. Default 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range (named).</exception>
    public LinearProbe(int steps = MoCoDefaults.ReportProbeSteps, double learningRate = MoCoDefaults.ReportProbeLearningRate,
        double weightDecay = MoCoDefaults.ReportProbeWeightDecay, int seed = MoCoDefaults.Seed)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "The linear probe needs at least 1 step.");
        if (!(learningRate > 0) || !double.IsFinite(learningRate))
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The linear probe's learning rate must be positive and finite.");
        if (!(weightDecay >= 0) || !double.IsFinite(weightDecay))
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "The linear probe's weight decay must be 0 or more.");
        Steps = steps;
        LearningRate = learningRate;
        WeightDecay = weightDecay;
        Seed = seed;
    }

    /// <summary>Full-batch Adam steps.</summary>
    public int Steps { get; }

    /// <summary>Adam learning rate.</summary>
    public double LearningRate { get; }

    /// <summary>L2 weight decay.</summary>
    public double WeightDecay { get; }

    /// <summary>Seed of the initial weights.</summary>
    public int Seed { get; }

    /// <summary>
    /// Trains on (<paramref name="trainInputs"/>, <paramref name="trainLabels"/>) and scores on
    /// (<paramref name="testInputs"/>, <paramref name="testLabels"/>), on the inputs' device. Inputs are N×… rows (flattened
    /// to N×D), labels 0-based class indices (any integer type).
    /// </summary>
    /// <param name="trainInputs">Training rows, N×D (further dimensions are flattened).</param>
    /// <param name="trainLabels">Their classes, N.</param>
    /// <param name="testInputs">Held-out rows, M×D, on the same device.</param>
    /// <param name="testLabels">Their classes, M.</param>
    /// <param name="classCount">Number of classes (greater than every label).</param>
    /// <exception cref="ArgumentException">The shapes do not agree, a set is empty, or a label is out of range.</exception>
    public LinearProbeResult Evaluate(Tensor trainInputs, Tensor trainLabels, Tensor testInputs, Tensor testLabels, int classCount)
    {
        ArgumentNullException.ThrowIfNull(trainInputs);
        ArgumentNullException.ThrowIfNull(trainLabels);
        ArgumentNullException.ThrowIfNull(testInputs);
        ArgumentNullException.ThrowIfNull(testLabels);
        if (classCount < 2) throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "The linear probe needs at least 2 classes.");
        long n = trainInputs.shape[0], m = testInputs.shape[0];
        if (n == 0 || m == 0) throw new ArgumentException("The linear probe needs training rows and held-out rows.");
        if (trainLabels.numel() != n || testLabels.numel() != m) throw new ArgumentException("The linear probe needs one label per row.");

        using var scope = NewDisposeScope();
        var device = trainInputs.device;
        var x = trainInputs.reshape(n, -1).to(ScalarType.Float32);
        var xTest = testInputs.reshape(m, -1).to(ScalarType.Float32).to(device);
        if (x.shape[1] != xTest.shape[1])
            throw new ArgumentException($"The linear probe's training rows have {x.shape[1]} values and its held-out rows {xTest.shape[1]}.");
        var y = trainLabels.reshape(n).to(ScalarType.Int64).to(device);
        var yTest = testLabels.reshape(m).to(ScalarType.Int64).to(device);
        CheckLabels(y, classCount, nameof(trainLabels));
        CheckLabels(yTest, classCount, nameof(testLabels));

        using var minStd = MinStd.ToScalar();
        var mean = x.mean(new long[] { 0 }, keepdim: true);
        var std = x.std(0, unbiased: false, keepdim: true).clamp_min(minStd);
        x = x.sub(mean).div_(std);
        xTest = xTest.sub(mean).div_(std);

        long dim = x.shape[1];
        using var generator = new Generator((ulong)Seeds.Mix(Seed, -3));
        using var initStd = InitStd.ToScalar();
        var weight = new Parameter(randn(new long[] { classCount, dim }, generator: generator).mul_(initStd).to(device));
        var bias = new Parameter(zeros(classCount, device: device));
        using var optimizer = optim.Adam(new[] { weight, bias }, lr: LearningRate, weight_decay: WeightDecay);
        using (enable_grad()) // also when called under no_grad (an evaluator)
        {
            for (int step = 0; step < Steps; step++)
            {
                using var stepScope = NewDisposeScope();
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(nn.functional.linear(x, weight, bias), y);
                loss.backward();
                optimizer.step();
            }
        }

        using var noGrad = no_grad();
        var logits = nn.functional.linear(x, weight, bias);
        double finalLoss = nn.functional.cross_entropy(logits, y).item<float>();
        double trainAccuracy = (double)logits.argmax(1).eq(y).sum().item<long>() / n;
        double testAccuracy = (double)nn.functional.linear(xTest, weight, bias).argmax(1).eq(yTest).sum().item<long>() / m;
        return new LinearProbeResult(testAccuracy, trainAccuracy, finalLoss);
    }

    private static void CheckLabels(Tensor labels, int classCount, string name)
    {
        long min = labels.min().item<long>(), max = labels.max().item<long>();
        if (min < 0 || max >= classCount)
            throw new ArgumentException($"The linear probe's labels must be 0-based class indices below {classCount}; found {(min < 0 ? min : max)}.", name);
    }
}
