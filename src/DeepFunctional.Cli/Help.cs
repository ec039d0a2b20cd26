using System.Collections.Generic;
using System.Linq;
using Spectre.Console;
using Spectre.Console.Cli;
using Spectre.Console.Cli.Help;
using Spectre.Console.Rendering;

namespace DeepFunctional.Cli;

/// <summary>Spectre's generated help, followed by what every command shares: where output goes and the exit codes.</summary>
internal sealed class Help(ICommandAppSettings settings) : HelpProvider(settings)
{
    /// <summary>The footer's text.</summary>
    internal const string Footer =
        "Output: the book's lines on stdout; progress on stderr when it is a terminal. Write 'help COMMAND' or 'COMMAND --help' "
        + "for a command's options; with no command, ch3 runs with the book's settings.\n"
        + "Exit status: 0 when all 21 numbers match the book (ch3; or the check does not apply) or the runs finish (ch4, ch5, ch6), "
        + "1 when some differ or a run fails (ch4: also when the data is missing; ch4 and ch5: when it is malformed), "
        + "2 for bad arguments (ch5: also when the data folder is missing), 130 when interrupted.";

    /// <inheritdoc/>
    public override IEnumerable<IRenderable> GetFooter(ICommandModel model, ICommandInfo? command) =>
        base.GetFooter(model, command).Append(new Spectre.Console.Text(Footer + "\n"));
}
