namespace MlNetMoco.Core.Training;

/// <summary>
/// The k-NN monitor (<see cref="KnnMonitor"/>; Wu et al. 2018, the MoCo CIFAR-10 demo) as an epoch evaluator: the
/// metric "knn" is the top-1 accuracy of a weighted vote of the <see cref="Neighbors"/> nearest memory-bank images in
/// the encoder's pooled feature space.
/// </summary>
public sealed class KnnEvaluator : IEpochEvaluator
{
    /// <summary>The metric's name.</summary>
    public const string MetricName = "knn";

    /// <summary>Creates the evaluator.</summary>
    /// <param name="data">Labelled memory-bank and test images (validated here).</param>
    /// <param name="neighbors">Number of neighbours k. Default 200 (Wu et al. 2018, the MoCo CIFAR-10 demo).</param>
    /// <param name="temperature">Temperature of the exp(similarity/t) weights. Default 0.1.</param>
    /// <exception cref="ArgumentException">The data are inconsistent, or k or t is out of range (named).</exception>
    public KnnEvaluator(KnnMonitorData data, int neighbors = MoCoDefaults.KnnNeighbors, double temperature = MoCoDefaults.KnnTemperature)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (neighbors < 1) throw new ArgumentException($"KnnNeighbors = {neighbors} is not valid: expected at least 1.", "KnnNeighbors");
        if (!(temperature > 0) || double.IsInfinity(temperature))
            throw new ArgumentException($"KnnTemperature = {temperature} is not valid: expected a positive number.", "KnnTemperature");
        Data = data.Validate();
        Neighbors = neighbors;
        Temperature = temperature;
    }

    /// <summary>The labelled images.</summary>
    public KnnMonitorData Data { get; }

    /// <summary>Number of neighbours k.</summary>
    public int Neighbors { get; }

    /// <summary>Temperature of the vote's weights.</summary>
    public double Temperature { get; }

    /// <inheritdoc />
    public EpochEvaluation Evaluate(EvaluationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var encoder = context.Encoder;
        double accuracy = KnnMonitor.Evaluate(x => encoder.Features(x), context.Normalization, context.Device, Data, Neighbors, Temperature);
        return new EpochEvaluation(new Dictionary<string, double> { [MetricName] = accuracy });
    }
}
