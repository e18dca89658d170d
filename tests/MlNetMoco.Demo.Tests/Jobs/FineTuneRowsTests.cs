using MlNetMoco.Core.Training;
using MlNetMoco.Demo.Jobs;

namespace MlNetMoco.Demo.Tests.Jobs;

public class FineTuneRowsTests
{
    [Theory]
    [InlineData(10_000, 8)]    // 100%: the given epochs
    [InlineData(1_000, 80)]    // 10%: the same number of steps
    [InlineData(100, 80)]      // 1%: capped at 10×
    [InlineData(3_000, 27)]    // rounded up
    public void Epochs_keep_the_steps_of_the_full_budget_up_to_ten_times(int labels, int expected) =>
        Assert.Equal(expected, FineTuneRows.Epochs(8, 10_000, labels));

    [Fact]
    public void Rows_use_the_FineTuneMoCo_defaults_on_28x28_grayscale()
    {
        var random = FineTuneRows.Options(null, 5, "cpu", 1);
        Assert.Null(random.Pretrained);
        Assert.Equal(MoCoDefaults.FineTuneBackboneLearningRateScale, random.BackboneLearningRateScale);
        Assert.Equal(MoCoDefaults.FineTuneLearningRate, random.LearningRate);
        Assert.Equal((1, 28, 28), (random.ImageChannels, random.ImageHeight, random.ImageWidth));
        Assert.Equal(5, random.Epochs);
    }
}
