using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;

namespace DeepFunctional.Cli.Tests;

/// <summary>
/// The packages as a user installs them: the four projects packed into a temporary folder, a new project
/// that restores only from that folder (and the local package cache) built from the README's
/// "Use it in your project" snippets and run, and the command-line tool installed from the folder and run.
/// </summary>
public sealed class PackageTests
{
    private static readonly string[] Packed = ["src/DeepFunctional", "src/DeepFunctional.Book", "src/DeepFunctional.CSharp", "src/DeepFunctional.Cli"];

    /// <summary>The repository's root: the folder above this assembly that holds DeepFunctional.sln.</summary>
    private static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "DeepFunctional.sln")))
                return dir.FullName;
        throw new InvalidOperationException("PackageTests: no DeepFunctional.sln above " + AppContext.BaseDirectory);
    }

    /// <summary>The one version every package has (Directory.Build.props).</summary>
    private static string Version(string root) =>
        XDocument.Load(Path.Combine(root, "Directory.Build.props")).Descendants("Version").Single().Value;

    /// <summary>Runs dotnet with the arguments in a folder; fails the test with its output when it fails.</summary>
    private static string Dotnet(string workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        // The test host's own MSBuild settings must not leak into the child builds.
        info.Environment.Remove("MSBuildExtensionsPath");
        info.Environment.Remove("MSBUILD_EXE_PATH");
        info.Environment.Remove("MSBuildSDKsPath");
        using var p = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"dotnet {string.Join(' ', args)} did not finish in 10 minutes");
        }
        string output = stdout.Result + stderr.Result;
        Assert.True(p.ExitCode == 0, $"dotnet {string.Join(' ', args)} exited with {p.ExitCode}:\n{output}");
        return output;
    }

    /// <summary>The fenced blocks of a language in the README's "Use it in your project" section.</summary>
    private static string[] ReadmeBlocks(string root, string language)
    {
        string readme = File.ReadAllText(Path.Combine(root, "README.md")).ReplaceLineEndings("\n");
        int start = readme.IndexOf("\n## Use it in your project\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "the README has a section \"Use it in your project\"");
        int end = readme.IndexOf("\n## ", start + 5, StringComparison.Ordinal);
        string section = end < 0 ? readme[start..] : readme[start..end];
        return Regex.Matches(section, "```" + language + "\n(.*?)```", RegexOptions.Singleline).Select(m => m.Groups[1].Value).ToArray();
    }

    [Fact]
    public void The_packages_install_from_a_folder_the_readmes_snippets_build_and_run_and_the_tool_runs()
    {
        string root = Root();
        string version = Version(root);
        using var temp = new TempFolder();
        string packages = temp.File("packages");
        foreach (var project in Packed)
            Dotnet(root, "pack", project, "-c", "Release", "-o", packages);
        string[] ids = ["DeepFunctional", "DeepFunctional.Book", "DeepFunctional.CSharp", "DeepFunctional.Cli"];
        foreach (var id in ids)
        {
            Assert.True(File.Exists(Path.Combine(packages, $"{id}.{version}.nupkg")), $"{id} {version} is packed");
            Assert.True(File.Exists(Path.Combine(packages, $"{id}.{version}.snupkg")), $"{id} has a symbol package");
        }

        // A consumer that knows only that folder: its project is the README's package reference, its program the README's code.
        string consumer = Directory.CreateDirectory(temp.File("consumer")).FullName;
        File.WriteAllText(Path.Combine(consumer, "nuget.config"),
            $"<configuration><packageSources><clear /><add key=\"local\" value=\"{packages}\" /></packageSources></configuration>");
        var references = ReadmeBlocks(root, "xml");
        Assert.Single(references);
        string reference = references[0];
        Assert.Contains($"Version=\"{version}\"", reference);
        File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"),
            "<Project Sdk=\"Microsoft.NET.Sdk\">\n  <PropertyGroup>\n    <OutputType>Exe</OutputType>\n    <TargetFramework>net10.0</TargetFramework>\n"
            + "    <Nullable>enable</Nullable>\n    <ImplicitUsings>enable</ImplicitUsings>\n  </PropertyGroup>\n" + reference + "</Project>\n");
        var code = ReadmeBlocks(root, "csharp");
        Assert.NotEmpty(code);
        File.WriteAllText(Path.Combine(consumer, "Program.cs"), string.Join("\n", code));
        string run = Dotnet(consumer, "run", "-c", "Release");
        Assert.Contains("Validation loss after 10 epochs is 27.435", run);
        Assert.Contains("Mean absolute error: 2.60", run);
        Assert.Contains("the loaded network predicts bit for bit as the saved one", run);
        foreach (var file in new[] { "boston.safetensors", "boston.onnx", "boston.ckpt" })
            Assert.True(File.Exists(Path.Combine(consumer, file)), $"the snippets wrote {file}");

        // The command line as a .NET tool, installed from the folder.
        string tools = temp.File("tools");
        Dotnet(consumer, "tool", "install", "DeepFunctional.Cli", "--version", version, "--tool-path", tools, "--add-source", packages);
        var help = Process.Start(new ProcessStartInfo(Path.Combine(tools, "deepfunctional"), "--help") { RedirectStandardOutput = true })!;
        string text = help.StandardOutput.ReadToEnd();
        help.WaitForExit();
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("ch3", text);
        Assert.Contains("predict", text);
    }
}
