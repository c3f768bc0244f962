using System.Net.Sockets;
using System.Text.Json;
using Rampart.Core.Control;
using Rampart.Lab;
using Rampart.Store;

namespace Rampart.Cli;

/// <summary>Talks to this host's agent over its control socket (RAMPART_HOME/rampartd.sock).</summary>
internal static class AgentClient
{
    public static string SocketPath => ControlEndpoint.SocketPath(StoreLocation.Home);

    /// <summary>The agent's control group, for messages (the agent reads the same variable).</summary>
    private static string ControlGroupName => Environment.GetEnvironmentVariable("RAMPART_CONTROL_GROUP") is { Length: > 0 } name ? name.Trim() : "rampart";

    /// <summary>Sends one request; throws <see cref="AgentUnavailableException"/> when no agent listens.</summary>
    public static ControlResponse Send(string command, object? arguments = null, TimeSpan? timeout = null)
    {
        // Requests may carry keys (sa add): never to a socket in a directory someone else controls.
        StateDirectory.Check(StoreLocation.Home);
        ControlClient client;
        try
        {
            client = ControlClient.Connect(SocketPath, timeout ?? TimeSpan.FromSeconds(30));
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AccessDenied)
        {
            throw new PermissionDeniedException(
                $"permission denied: {SocketPath} is for root and members of group '{ControlGroupName}' (read-only commands)");
        }
        catch (SocketException)
        {
            throw new AgentUnavailableException();
        }

        using (client)
        {
            return client.Send(command, arguments);
        }
    }

    /// <summary>Runs a command and prints its result as JSON or through <paramref name="print"/>; errors exit 1.</summary>
    public static int Run(string command, object? arguments, bool json, Action<JsonElement> print)
    {
        ArgumentNullException.ThrowIfNull(print);
        ControlResponse response;
        try
        {
            response = Send(command, arguments);
        }
        catch (AgentUnavailableException e)
        {
            return Cli.Fail(e.Message);
        }

        if (!response.Ok)
        {
            return Cli.Fail(response.Error ?? "the agent refused the request");
        }

        var result = response.Result ?? default;
        if (json)
        {
            Console.WriteLine(result.ValueKind == JsonValueKind.Undefined ? "null" : JsonSerializer.Serialize(result, ControlJson.Options));
        }
        else if (result.ValueKind != JsonValueKind.Undefined)
        {
            print(result);
        }

        return CliRunner.Success;
    }

    /// <summary>
    /// Tells a running agent that the store changed, so the change takes effect at once; silent if none runs. Warns on
    /// stderr about each DNS name of the policy in force that did not resolve.
    /// </summary>
    public static void NotifyPolicyChanged()
    {
        if (!File.Exists(SocketPath))
        {
            return;
        }

        try
        {
            var response = Send("policy.reload", timeout: TimeSpan.FromSeconds(5));
            if (response.Ok && response.Result is { ValueKind: JsonValueKind.Object } status
                && status.TryGetProperty("unresolvedNames", out var names) && names.ValueKind == JsonValueKind.Array)
            {
                foreach (var name in names.EnumerateArray())
                {
                    Console.Error.WriteLine($"rampart: warning: {name.GetString()}; retried every 30 s");
                }
            }
        }
        catch (Exception e) when (e is AgentUnavailableException or IOException or SocketException)
        {
            // The agent also polls the store every second; nothing is lost.
        }
    }
}

internal sealed class AgentUnavailableException() : Exception(
    $"the agent is not running (no answer on {AgentClient.SocketPath}); start it with 'rampart agent run' or 'systemctl start rampartd'");
