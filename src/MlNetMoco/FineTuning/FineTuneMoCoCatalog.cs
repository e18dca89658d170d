using MlNetMoco;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Training;
using MlNetMoco.FineTuning;

namespace Microsoft.ML;

/// <summary>The MoCo entries of <c>mlContext.MulticlassClassification.Trainers</c>.</summary>
public static class FineTuneMoCoCatalog
{
    /// <summary>
    /// Fine-tunes an image encoder with a new linear classifier on labelled images: from a fitted MoCo transformer,
    /// from a saved MoCo/encoder/PyTorch file, or from random initialisation (both null). Writes <c>Score</c> and
    /// <c>PredictedLabel</c> like ML.NET's multiclass trainers.
    /// </summary>
    /// <param name="catalog">The trainers catalog (<c>mlContext.MulticlassClassification.Trainers</c>).</param>
    /// <param name="labelColumnName">The label: a key, or raw text or numbers. Default "Label".</param>
    /// <param name="inputColumnName">The pixel column (<c>Vector&lt;Single&gt;</c> of C×H×W values in [0, 255]). Default "Pixels".</param>
    /// <param name="pretrained">The MoCo transformer whose encoder starts training (copied). Default null.</param>
    /// <param name="pretrainedPath">A file holding the starting encoder (used when <paramref name="pretrained"/> is null). Default null.</param>
    /// <param name="epochs">Passes over the images. Default 30.</param>
    /// <param name="batchSize">Images per step. Default 64.</param>
    /// <param name="learningRate">Learning rate of the classifier. Default 0.05.</param>
    /// <param name="backboneLearningRateScale">Learning-rate multiple of the backbone (0 freezes it). Default 0.1.</param>
    /// <param name="backbone">Backbone of a randomly initialised encoder. Default ResNet-18.</param>
    /// <param name="device">"auto", "cpu", "cuda" or "cuda:N". Default "auto".</param>
    /// <param name="seed">Seed of every random choice. Default 0.</param>
    /// <returns>The estimator; every other setting has its <see cref="FineTuneMoCoOptions"/> default (from <see cref="MoCoDefaults"/>).</returns>
    public static FineTuneMoCoEstimator FineTuneMoCo(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = FineTuneMoCoOptions.DefaultLabelColumnName,
        string inputColumnName = MoCoOptions.DefaultInputColumnName,
        MoCoTransformer? pretrained = null,
        string? pretrainedPath = null,
        int epochs = MoCoDefaults.FineTuneEpochs,
        int batchSize = MoCoDefaults.FineTuneBatchSize,
        double learningRate = MoCoDefaults.FineTuneLearningRate,
        double backboneLearningRateScale = MoCoDefaults.FineTuneBackboneLearningRateScale,
        BackboneKind backbone = MoCoDefaults.Backbone,
        string device = MoCoDefaults.Device,
        int seed = MoCoDefaults.Seed)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new FineTuneMoCoEstimator(null, new FineTuneMoCoOptions
        {
            LabelColumnName = labelColumnName,
            InputColumnName = inputColumnName,
            Pretrained = pretrained,
            PretrainedPath = pretrainedPath,
            Epochs = epochs,
            BatchSize = batchSize,
            LearningRate = learningRate,
            BackboneLearningRateScale = backboneLearningRateScale,
            Backbone = backbone,
            Device = device,
            Seed = seed,
        });
    }

    /// <summary>Fine-tunes an image encoder with a new linear classifier, with every setting of <paramref name="options"/>.</summary>
    /// <param name="catalog">The trainers catalog (<c>mlContext.MulticlassClassification.Trainers</c>).</param>
    /// <param name="options">The settings (copied); <see cref="FineTuneMoCoOptions.LinearProbeProtocol"/> gives main_lincls's.</param>
    /// <returns>The estimator.</returns>
    public static FineTuneMoCoEstimator FineTuneMoCo(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, FineTuneMoCoOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new FineTuneMoCoEstimator(null, options);
    }
}
