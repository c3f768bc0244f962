using System.CommandLine;
using System.Text.Json;
using Rampart.Core.Control;
using Rampart.Core.Monitoring;
using Spectre.Console;

namespace Rampart.Cli.Commands;

/// <summary>
/// <c>rampart monitor</c>: the IP Security Monitor. A live table on a terminal, plain text when stdout is piped or with
/// <c>--once</c>, JSON (one object per line) with <c>--json</c>. Refreshes every 15 seconds by default, down to 1.
/// </summary>
internal static class MonitorCommands
{
    public const int DefaultRefreshSeconds = 15;

    private const string MonitorSnapshotCommand = "monitor.snapshot";

    public static Command Create()
    {
        var refresh = new Option<int>("--refresh")
        {
            Description = "Seconds between refreshes (at least 1)",
            DefaultValueFactory = _ => DefaultRefreshSeconds,
        };
        refresh.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
            {
                result.AddError("--refresh must be at least 1 second");
            }
        });
        var once = new Option<bool>("--once") { Description = "Show one snapshot and exit" };
        var json = Cli.JsonOption();
        var command = new Command("monitor", "The IP Security Monitor: live SAs and IPsec/IKE statistics") { refresh, once, json };
        command.SetAction((parse, cancellationToken) => RunAsync(
            TimeSpan.FromSeconds(parse.GetValue(refresh)), parse.GetValue(once), parse.GetValue(json), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(TimeSpan refresh, bool once, bool json, CancellationToken cancellationToken)
    {
        if (!json && !once && !Console.IsOutputRedirected)
        {
            return await LiveAsync(refresh, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            while (true)
            {
                if (!TryFetch(out var snapshot, out var error))
                {
                    return Cli.Fail(error);
                }

                if (json)
                {
                    Console.WriteLine(JsonSerializer.Serialize(snapshot, ControlJson.Options));
                }
                else
                {
                    MonitorView.WriteText(Console.Out, snapshot);
                }

                if (once)
                {
                    return CliRunner.Success;
                }

                Console.Out.Flush();
                await Task.Delay(refresh, cancellationToken).ConfigureAwait(false);
                if (!json)
                {
                    Console.WriteLine();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return CliRunner.Success;
        }
    }

    private static async Task<int> LiveAsync(TimeSpan refresh, CancellationToken cancellationToken)
    {
        if (!TryFetch(out var first, out var error))
        {
            return Cli.Fail(error);
        }

        string? failure = null;
        try
        {
            await AnsiConsole.Live(MonitorView.Render(first, refresh)).AutoClear(false).StartAsync(async context =>
            {
                while (true)
                {
                    await Task.Delay(refresh, cancellationToken).ConfigureAwait(false);
                    if (!TryFetch(out var snapshot, out failure))
                    {
                        return;
                    }

                    context.UpdateTarget(MonitorView.Render(snapshot, refresh));
                }
            }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return CliRunner.Success;
        }

        return failure is null ? CliRunner.Success : Cli.Fail(failure);
    }

    private static bool TryFetch(out MonitorSnapshot snapshot, out string error)
    {
        snapshot = null!;
        ControlResponse response;
        try
        {
            response = AgentClient.Send(MonitorSnapshotCommand);
        }
        catch (AgentUnavailableException e)
        {
            error = e.Message;
            return false;
        }

        if (!response.Ok || response.Result is not { } result)
        {
            error = response.Error ?? "the agent sent no snapshot";
            return false;
        }

        snapshot = result.Deserialize<MonitorSnapshot>(ControlJson.Options) ?? throw new InvalidDataException("the agent sent an empty snapshot");
        error = "";
        return true;
    }
}
