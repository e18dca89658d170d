using System.CommandLine;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Demo.Jobs;

// The MlNetMoco demo. With no arguments it runs the main job on the embedded Fashion-MNIST subset.
var data = new Option<string>("--data") { Description = "'embedded' (the subset shipped here), 'full' (Debian's dataset-fashion-mnist) or a folder of IDX files", DefaultValueFactory = _ => "embedded" };
var epochs = new Option<int?>("--epochs") { Description = "Pretraining epochs (default: MoCo's Auto recipe for Fashion-MNIST, 50 for a folder)" };
var batch = new Option<int?>("--batch-size") { Description = "Pretraining batch size (default: MoCo's Auto recipe for Fashion-MNIST, 128 for a folder)" };
var backbone = new Option<BackboneKind?>("--backbone") { Description = "SmallConvNet, ResNet18, ResNet34 or ResNet50 (default: MoCo's Auto recipe for Fashion-MNIST, ResNet18 for a folder)" };
var device = new Option<string>("--device") { Description = "auto, cpu, cuda or cuda:N", DefaultValueFactory = _ => "auto" };
var seed = new Option<int>("--seed") { Description = "Seed of every random choice", DefaultValueFactory = _ => 0 };
var checkpoints = new Option<string?>("--checkpoints") { Description = "Folder for checkpoints (every 5 epochs and at the end)" };
var resume = new Option<string?>("--resume") { Description = "Checkpoint file to resume pretraining from" };
var baselines = new Option<string>("--baselines") { Description = "'all' (raw pixels, random encoder, fine-tune from random init, ML.NET's ImageNet ResNet-18 featurizer at 1% and 10%), 'full' (all, and the featurizer at 100% too: minutes more) or 'raw' (raw pixels only, faster; MoCo + fine-tune rows are always measured)", DefaultValueFactory = _ => "all" };
baselines.AcceptOnlyFromAmong("all", "full", "raw");
var output = new Option<string>("--output") { Description = "Folder for the results table, plots and model", DefaultValueFactory = _ => "out/fashion-mnist" };

var root = new RootCommand("MlNetMoco: MoCo self-supervised pretraining inside ML.NET pipelines.")
{
    data, epochs, batch, backbone, device, seed, checkpoints, resume, baselines, output,
};
root.SetAction((parse, token) => Task.FromResult(Run(() => FashionMnistJob.Run(new FashionMnistJobOptions
{
    Data = parse.GetValue(data)!,
    Epochs = parse.GetValue(epochs),
    BatchSize = parse.GetValue(batch),
    Backbone = parse.GetValue(backbone),
    Device = parse.GetValue(device)!,
    Seed = parse.GetValue(seed),
    Checkpoints = parse.GetValue(checkpoints),
    Resume = parse.GetValue(resume),
    AllBaselines = parse.GetValue(baselines) != "raw",
    ImageNetAllBudgets = parse.GetValue(baselines) == "full",
    Output = parse.GetValue(output)!,
}, token))));

var images = new Option<string>("--images") { Description = "Folder of images (class sub-folders optional, used for evaluation only)", Required = true };
var size = new Option<int>("--size") { Description = "Side length the images are resized to", DefaultValueFactory = _ => 32 };
var grayscale = new Option<bool>("--grayscale") { Description = "Convert images to one grayscale channel" };
var export = new Option<string?>("--export") { Description = "Save the fitted MoCo transformer to this file" };
var pretrain = new Command("pretrain", "Pretrain MoCo on your own folder of images (LoadImages → ResizeImages → ExtractPixels → MoCo).")
{
    images, size, grayscale, epochs, batch, backbone, device, seed, checkpoints, resume, export,
};
pretrain.SetAction((parse, token) => Task.FromResult(Run(() => FolderPretrainJob.Run(new FolderPretrainOptions
{
    Images = parse.GetValue(images)!,
    Size = parse.GetValue(size),
    Grayscale = parse.GetValue(grayscale),
    Epochs = parse.GetValue(epochs) ?? 50,
    BatchSize = parse.GetValue(batch) ?? 128,
    Backbone = parse.GetValue(backbone) ?? BackboneKind.ResNet18,
    Device = parse.GetValue(device)!,
    Seed = parse.GetValue(seed),
    Checkpoints = parse.GetValue(checkpoints),
    Resume = parse.GetValue(resume),
    Export = parse.GetValue(export),
}, token))));
root.Subcommands.Add(pretrain);

var mechanismImages = new Option<int>("--images") { Description = "Unlabelled training images per run (the first N of the training set)", DefaultValueFactory = _ => 5000 };
var mechanismEpochs = new Option<int>("--epochs") { Description = "Pretraining epochs per run", DefaultValueFactory = _ => 5 };
var mechanismOutput = new Option<string>("--output") { Description = "Folder for results.md", DefaultValueFactory = _ => "out/mechanisms" };
var mechanismMethod = new Option<string>("--method") { Description = "\"all\": the paper's comparison; \"v3\": MoCo v2 beside MoCo v3 at the same budget; \"vit\": MoCo v2 (SmallConvNet) beside MoCo v3 on ViT-Tiny", DefaultValueFactory = _ => "all" };
var mechanisms = new Command("mechanisms", "The MoCo paper's comparison of mechanisms (end-to-end, memory bank, queue) against K, and its momentum and Shuffle-BN ablations, on Fashion-MNIST.")
{
    data, mechanismEpochs, mechanismImages, device, seed, mechanismOutput, mechanismMethod,
};
mechanisms.SetAction((parse, token) => Task.FromResult(Run(() => MechanismsJob.Run(new MechanismsOptions
{
    Data = parse.GetValue(data)!,
    Epochs = parse.GetValue(mechanismEpochs),
    Images = parse.GetValue(mechanismImages),
    Device = parse.GetValue(device)!,
    Seed = parse.GetValue(seed),
    Output = parse.GetValue(mechanismOutput)!,
    Method = parse.GetValue(mechanismMethod)!,
}, token))));
root.Subcommands.Add(mechanisms);

var trainFolder = new Option<string>("--train") { Description = "Training folder, one sub-folder per class (all images pretrain MoCo; the first labels of a seeded order train the probes)", Required = true };
var testFolder = new Option<string>("--test") { Description = "Test folder, one sub-folder per class", Required = true };
var evalSize = new Option<int?>("--size") { Description = "Side length images are resized to (default: the first training image's)" };
var budgets = new Option<string>("--labels") { Description = "Label budgets, comma-separated; 'all' is every training image", DefaultValueFactory = _ => "50,200,all" };
var recipe = new Option<MlNetMoco.Core.Training.MoCoRecipe>("--recipe") { Description = "MoCo's recipe: Auto (default) or Paper", DefaultValueFactory = _ => MlNetMoco.Core.Training.MoCoRecipe.Auto };
var noStandardize = new Option<bool>("--no-standardize") { Description = "Emit MoCo's raw features (StandardizeFeatures = false)" };
var report = new Option<bool>("--report") { Description = "During MoCo's Fit, report k-NN and a quick linear probe on held-out training labels each epoch, next to raw pixels (MoCoOptions.LabelColumnName)" };
var evaluate = new Command("evaluate", "Does MoCo help on my data? README's pipeline with default MoCo settings vs raw pixels, LbfgsMaximumEntropy at a few label budgets.")
{
    trainFolder, testFolder, evalSize, grayscale, budgets, recipe, noStandardize, report, device, seed,
};
evaluate.SetAction((parse, token) => Task.FromResult(Run(() => EvaluateFolderJob.Run(new EvaluateFolderOptions
{
    Train = parse.GetValue(trainFolder)!,
    Test = parse.GetValue(testFolder)!,
    Size = parse.GetValue(evalSize),
    Grayscale = parse.GetValue(grayscale),
    Budgets = parse.GetValue(budgets)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
        .Select(b => b.Equals("all", StringComparison.OrdinalIgnoreCase) ? 0 : int.Parse(b, System.Globalization.CultureInfo.InvariantCulture)).ToList(),
    Recipe = parse.GetValue(recipe),
    Standardize = !parse.GetValue(noStandardize),
    Report = parse.GetValue(report),
    Device = parse.GetValue(device)!,
    Seed = parse.GetValue(seed),
}, token))));
root.Subcommands.Add(evaluate);

var sweepLabels = new Option<int>("--labels") { Description = "Labelled training rows the sweep cross-validates on (a seeded subset)", DefaultValueFactory = _ => 1000 };
var folds = new Option<int>("--folds") { Description = "Cross-validation folds", DefaultValueFactory = _ => 5 };
var sweepModel = new Option<string?>("--model") { Description = "A saved MoCo transformer (e.g. out/fashion-mnist/moco-encoder.mlnetmoco from the main job) instead of pretraining" };
var fineTuneBudget = new Option<string>("--finetune-budget") { Description = "Time budget of the FineTuneMoCo candidates, e.g. 10m, 90s, 0 (none)", DefaultValueFactory = _ => "3m" };
var fineTuneEpochs = new Option<int>("--finetune-epochs") { Description = "Epochs of the shortest FineTuneMoCo candidate (the others take 1x and 2x)", DefaultValueFactory = _ => 10 };
var sweepOutput = new Option<string>("--output") { Description = "Folder for leaderboard.md and best-model.zip", DefaultValueFactory = _ => "out/sweep" };
var sweep = new Command("sweep", "Pretrain once, sweep many: MoCo once (or --model), features cached once, k-fold CrossValidate of LbfgsMaximumEntropy, SdcaMaximumEntropy, LightGbm, OneVersusAll(FastTree) x 3 settings and FineTuneMoCo within a time budget; leaderboard; best pipeline saved, reloaded and scored on the test set.")
{
    data, sweepLabels, folds, sweepModel, epochs, fineTuneBudget, fineTuneEpochs, device, seed, sweepOutput,
};
sweep.SetAction((parse, token) => Task.FromResult(Run(() => SweepJob.Run(new SweepOptions
{
    Data = parse.GetValue(data)!,
    Labels = parse.GetValue(sweepLabels),
    Folds = parse.GetValue(folds),
    Model = parse.GetValue(sweepModel),
    Epochs = parse.GetValue(epochs) ?? 30,
    FineTuneBudget = FineTuneBudget.Parse(parse.GetValue(fineTuneBudget)!),
    FineTuneEpochs = parse.GetValue(fineTuneEpochs),
    Device = parse.GetValue(device)!,
    Seed = parse.GetValue(seed),
    Output = parse.GetValue(sweepOutput)!,
}, token))));
root.Subcommands.Add(sweep);

return await root.Parse(args).InvokeAsync();

static int Run(Func<object> job)
{
    try
    {
        job();
        return 0;
    }
    catch (OperationCanceledException)
    {
        Console.Error.WriteLine("Cancelled.");
        return 130;
    }
    catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or InvalidDataException or FormatException)
    {
        Console.Error.WriteLine($"error: {e.Message}{(e.InnerException is { } inner ? $" ({inner.GetType().Name}: {inner.Message})" : "")}");
        if (Environment.GetEnvironmentVariable("MLNETMOCO_DEMO_TRACE") == "1") Console.Error.WriteLine(e);
        return 1;
    }
}
