using Microsoft.ML;
using MlNetMoco.Core.Training;
using Microsoft.ML.Trainers.LightGbm;
using MlNetMoco.FineTuning;

namespace MlNetMoco.Demo.Jobs;

/// <summary>
/// The sweep command's candidates: four ML.NET multiclass trainers on the cached frozen MoCo features, three settings
/// each, and a few FineTuneMoCo settings that train the encoder itself (run only within the fine-tune budget).
/// </summary>
public static class SweepCandidates
{
    /// <summary>The key label column every candidate reads.</summary>
    public const string Label = "Label";

    /// <summary>The cached feature column of the frozen-feature candidates.</summary>
    public const string Features = "Features";

    /// <summary>
    /// LbfgsMaximumEntropy, SdcaMaximumEntropy, LightGbm and OneVersusAll(FastTree), each with three settings (L2/L1
    /// penalties, iterations, leaves, learning rate, trees): twelve candidates on <see cref="Features"/>.
    /// </summary>
    public static IReadOnlyList<SweepCandidate> FrozenFeature() =>
    [
        new("LbfgsMaximumEntropy", "L2=1, L1=0 (default)", ml => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(Label, Features)),
        new("LbfgsMaximumEntropy", "L2=0.1, L1=0", ml => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(Label, Features, l2Regularization: 0.1f, l1Regularization: 0f)),
        new("LbfgsMaximumEntropy", "L2=0.01, L1=0.1", ml => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(Label, Features, l2Regularization: 0.01f, l1Regularization: 0.1f)),

        new("SdcaMaximumEntropy", "L2=1e-4, 20 iterations", ml => ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(Label, Features, l2Regularization: 1e-4f, maximumNumberOfIterations: 20)),
        new("SdcaMaximumEntropy", "L2=1e-2, 20 iterations", ml => ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(Label, Features, l2Regularization: 1e-2f, maximumNumberOfIterations: 20)),
        new("SdcaMaximumEntropy", "L2=1e-3, L1=1e-3, 50 iterations", ml => ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(Label, Features, l2Regularization: 1e-3f, l1Regularization: 1e-3f, maximumNumberOfIterations: 50)),

        new("LightGbm", "31 leaves, lr 0.1, 50 iterations", ml => LightGbm(ml, leaves: 31, learningRate: 0.1, iterations: 50)),
        new("LightGbm", "15 leaves, lr 0.2, 50 iterations", ml => LightGbm(ml, leaves: 15, learningRate: 0.2, iterations: 50)),
        new("LightGbm", "7 leaves, lr 0.3, 30 iterations", ml => LightGbm(ml, leaves: 7, learningRate: 0.3, iterations: 30)),

        new("OneVersusAll(FastTree)", "20 leaves, lr 0.2, 50 trees", ml => OneVersusAllFastTree(ml, leaves: 20, learningRate: 0.2, trees: 50)),
        new("OneVersusAll(FastTree)", "8 leaves, lr 0.2, 30 trees", ml => OneVersusAllFastTree(ml, leaves: 8, learningRate: 0.2, trees: 30)),
        new("OneVersusAll(FastTree)", "31 leaves, lr 0.1, 50 trees", ml => OneVersusAllFastTree(ml, leaves: 31, learningRate: 0.1, trees: 50)),
    ];

    /// <summary>
    /// FineTuneMoCo settings from <paramref name="pretrained"/> (null: random initialisation), cheapest first: the
    /// classifier alone on the frozen encoder (backbone rate ×0, BatchNorm frozen), then end to end with the default
    /// backbone rate (the classifier's), then longer. Each reads <paramref name="pixelColumn"/>.
    /// </summary>
    /// <param name="pretrained">The encoder to start from.</param>
    /// <param name="pixelColumn">The pixel column.</param>
    /// <param name="epochs">Epochs of the shortest setting (the others take 1× and 2×). Default 10.</param>
    /// <param name="device">Device request. Default "auto".</param>
    /// <param name="seed">Seed. Default 0.</param>
    public static IReadOnlyList<SweepCandidate> FineTune(MoCoTransformer? pretrained, string pixelColumn, int epochs = 10, string device = "auto", int seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        SweepCandidate Make(string settings, int e, double backboneScale, bool freezeBatchNorm) => new("FineTuneMoCo", settings, ml =>
            ml.MulticlassClassification.Trainers.FineTuneMoCo(new FineTuneMoCoOptions
            {
                InputColumnName = pixelColumn,
                LabelColumnName = Label,
                Pretrained = pretrained,
                Epochs = e,
                BackboneLearningRateScale = backboneScale,
                FreezeBatchNorm = freezeBatchNorm,
                WarmupEpochs = Math.Min(1, e - 1),
                Device = device,
                Seed = seed,
            }), FineTune: true, Epochs: e) { CostClass = backboneScale == 0 ? SweepCandidate.FrozenEncoder : SweepCandidate.EndToEnd };
        return
        [
            Make($"frozen encoder, {epochs} epochs", epochs, 0, true),
            Make($"end to end, {epochs} epochs", epochs, MoCoDefaults.FineTuneBackboneLearningRateScale, false),
            Make($"end to end, {2 * epochs} epochs", 2 * epochs, MoCoDefaults.FineTuneBackboneLearningRateScale, false),
        ];
    }

    /// <summary>
    /// LightGbm with one thread: its OpenMP threads spin-wait for each other, which on a shared or oversubscribed CPU
    /// (two cores, other jobs running) turned seconds into many minutes; one thread keeps the cost predictable.
    /// </summary>
    private static IEstimator<ITransformer> LightGbm(MLContext ml, int leaves, double learningRate, int iterations) =>
        ml.MulticlassClassification.Trainers.LightGbm(new LightGbmMulticlassTrainer.Options
        {
            LabelColumnName = Label,
            FeatureColumnName = Features,
            NumberOfLeaves = leaves,
            LearningRate = learningRate,
            NumberOfIterations = iterations,
            NumberOfThreads = 1,
        });

    private static IEstimator<ITransformer> OneVersusAllFastTree(MLContext ml, int leaves, double learningRate, int trees) =>
        ml.MulticlassClassification.Trainers.OneVersusAll(
            ml.BinaryClassification.Trainers.FastTree(labelColumnName: Label, featureColumnName: Features, numberOfLeaves: leaves,
                numberOfTrees: trees, learningRate: learningRate, minimumExampleCountPerLeaf: 10),
            labelColumnName: Label);
}
