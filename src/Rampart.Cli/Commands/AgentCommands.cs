using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;

namespace Rampart.Cli.Commands;

/// <summary><c>rampart agent ...</c>: run the agent in the foreground, ask its status, stop it, restart it.</summary>
internal static class AgentCommands
{
    public static Command Create() => new("agent", "The policy agent (rampartd): one per host")
    {
        Run(), Status(), Stop(), Restart(),
    };

    private static Command Run()
    {
        var command = new Command("run", "Run the agent in the foreground (as systemd does with rampartd)");
        command.SetAction(_ =>
        {
            var directory = AppContext.BaseDirectory;
            var native = Path.Combine(directory, "rampartd");
            var start = File.Exists(native)
                ? new ProcessStartInfo(native)
                : new ProcessStartInfo("dotnet", [Path.Combine(directory, "rampartd.dll")]);
            start.UseShellExecute = false;
            using var agent = Process.Start(start) ?? throw new IOException("could not start rampartd");
            agent.WaitForExit();
            return agent.ExitCode;
        });
        return command;
    }

    private static Command Status()
    {
        var json = Cli.JsonOption();
        var command = new Command("status", "Show whether the agent runs, since when, the policy it enforces (or why none is) and what is never secured") { json };
        command.SetAction(parse => AgentClient.Run("agent.status", null, parse.GetValue(json), result =>
        {
            Console.WriteLine($"rampartd running, pid {result.GetProperty("processId").GetInt32()}, since {result.GetProperty("started").GetDateTimeOffset():u}");
            Console.WriteLine($"state directory {result.GetProperty("home").GetString()}");
            if (result.TryGetProperty("policy", out var policy) && policy.ValueKind == JsonValueKind.Object)
            {
                var name = policy.TryGetProperty("assignedPolicy", out var assigned) ? assigned.GetString() : null;
                var state = policy.TryGetProperty("state", out var stateValue) ? stateValue.GetString() : null;
                if (state is "starting" or "failed")
                {
                    Console.WriteLine($"policy NOT applied: {policy.GetProperty("reason").GetString()}");
                }
                else
                {
                    Console.WriteLine(name is null ? "no policy assigned" : $"enforcing policy '{name}' ({policy.GetProperty("filters").GetInt32()} filters)");
                }

                if (policy.TryGetProperty("unresolvedNames", out var unresolved) && unresolved.ValueKind == JsonValueKind.Array)
                {
                    foreach (var warning in unresolved.EnumerateArray())
                    {
                        Console.WriteLine($"warning: {warning.GetString()} (retried every 30 s)");
                    }
                }
            }

            if (result.TryGetProperty("exemptions", out var exemptions) && exemptions.ValueKind == JsonValueKind.Array)
            {
                Console.WriteLine("never secured, whatever the policy:");
                foreach (var exemption in exemptions.EnumerateArray())
                {
                    Console.WriteLine($"  {exemption.GetProperty("name").GetString()}: {exemption.GetProperty("traffic").GetString()}");
                }
            }
        }));
        return command;
    }

    private static Command Stop()
    {
        var command = new Command("stop", "Stop the agent (traffic the policy secures stays blocked until it runs again)");
        command.SetAction(_ => AgentClient.Run("agent.stop", null, json: false, _ => Console.WriteLine("rampartd stopping")));
        return command;
    }

    private static Command Restart()
    {
        var command = new Command("restart", "Clear all IKE state and SAs, then re-apply the assigned policy (net stop/start policyagent)");
        command.SetAction(_ => AgentClient.Run("agent.restart", null, json: false, _ => Console.WriteLine("IKE state cleared; policy re-applied")));
        return command;
    }
}
