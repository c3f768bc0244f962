using System.CommandLine;
using Rampart.Cli.Demo;

namespace Rampart.Cli.Commands;

/// <summary><c>rampart demo</c>: two hosts in network namespaces secure their pings by policy (root).</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var command = new Command(
            "demo",
            "Two throw-away hosts (network namespaces) secure their pings by policy; exits 1 unless secured (root)");
        command.SetAction(_ => DemoRunner.Run());
        return command;
    }
}
