using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Optimization;
using MlNetMoco.Core.Training;

namespace MlNetMoco.Core.Tests.Optimization;

public class LearningRateScheduleTests
{
    [Fact]
    public void Step_schedule_divides_by_ten_at_60_and_80_percent()
    {
        var o = TrainingOptions.MoCo(MoCoVersion.V1) with { Epochs = 200, BatchSize = 256 };
        Assert.Equal(0.03, LearningRateSchedule.At(o, 0, 0, 10), 12);
        Assert.Equal(0.03, LearningRateSchedule.At(o, 119, 9, 10), 12);
        Assert.Equal(0.003, LearningRateSchedule.At(o, 120, 0, 10), 12);
        Assert.Equal(0.0003, LearningRateSchedule.At(o, 160, 0, 10), 12);
    }

    [Fact]
    public void Cosine_schedule_follows_half_a_cosine_per_epoch_with_linear_scaling()
    {
        var o = TrainingOptions.MoCo(MoCoVersion.V2) with { Epochs = 10, BatchSize = 512 };
        Assert.Equal(0.06, LearningRateSchedule.At(o, 0, 3, 10), 12);
        Assert.Equal(0.06 * 0.5 * (1 + Math.Cos(Math.PI * 5 / 10)), LearningRateSchedule.At(o, 5, 0, 10), 12);
    }

    [Fact]
    public void Warmup_rises_linearly_per_step_to_the_scaled_rate()
    {
        var o = TrainingOptions.MoCo(MoCoVersion.V2) with { Epochs = 10, WarmupEpochs = 2, BatchSize = 256 };
        Assert.Equal(0.03 / 20, LearningRateSchedule.At(o, 0, 0, 10), 12);
        Assert.Equal(0.03, LearningRateSchedule.At(o, 1, 9, 10), 12);
        Assert.Equal(0.03, LearningRateSchedule.At(o, 2, 0, 10), 12);
    }

    [Fact]
    public void Cosine_per_step_follows_the_fractional_epoch_and_constant_stays()
    {
        var o = TrainingOptions.MoCo(MoCoVersion.V2) with { Epochs = 4, BatchSize = 256, Schedule = LearningRateScheduleKind.CosinePerStep };
        Assert.Equal(0.03, LearningRateSchedule.At(o, 0, 0, 10), 12);
        Assert.Equal(0.03 * 0.5 * (1 + Math.Cos(Math.PI * 1.5 / 4)), LearningRateSchedule.At(o, 1, 5, 10), 12);
        var constant = o with { Schedule = LearningRateScheduleKind.Constant, ScaleLearningRate = false, BaseLearningRate = 0.5 };
        Assert.Equal(0.5, LearningRateSchedule.At(constant, 3, 9, 10), 12);
    }

    [Fact]
    public void The_method_recommends_the_schedule_when_none_is_set()
    {
        Assert.Equal(LearningRateScheduleKind.Step, TrainingOptions.MoCo(MoCoVersion.V1).EffectiveSchedule);
        Assert.Equal(LearningRateScheduleKind.Cosine, TrainingOptions.MoCo(MoCoVersion.V2).EffectiveSchedule);
        Assert.Equal(LearningRateScheduleKind.CosinePerStep, TrainingOptions.Supervised(new(MlNetMoco.Core.Backbones.BackboneKind.SmallConvNet)).EffectiveSchedule);
    }
}
