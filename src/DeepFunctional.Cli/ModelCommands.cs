using Spectre.Console.Cli;

namespace DeepFunctional.Cli;

/// <summary>The model tools: predict, info, convert.</summary>
internal static class ModelCommands
{
    /// <summary>Registers the model tools.</summary>
    internal static void Add(IConfigurator config)
    {
    }
}
