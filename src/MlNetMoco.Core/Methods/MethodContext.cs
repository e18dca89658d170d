using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Methods;

/// <summary>What <see cref="MethodOptions.Create"/> knows about the run it builds a method for.</summary>
/// <param name="Backbone">The encoder architecture (the method sets its BatchNorm splits).</param>
/// <param name="Shape">Shape C×H×W of the training images.</param>
/// <param name="ImageCount">Number of training images N.</param>
/// <param name="BatchSize">Images per step B.</param>
/// <param name="Device">Device of the parameters and buffers.</param>
/// <param name="Generator">CPU generator of the initial weights and buffers (seeded from the run's seed).</param>
/// <param name="Log">Receives one-line messages (e.g. a setting the method adjusted, and why).</param>
public sealed record MethodContext(BackboneSpec Backbone, ImageShape Shape, int ImageCount, int BatchSize, Device Device, Generator Generator, Action<string> Log)
{
    /// <summary>Number of classes of the labels (largest label + 1), or null when the data has no labels.</summary>
    public int? ClassCount { get; init; }

    /// <summary>An encoder whose backbone weights (all but the head) start the online encoder: fine-tuning, or pretraining from weights. Default null.</summary>
    public TrainedEncoder? InitialEncoder { get; init; }
}
