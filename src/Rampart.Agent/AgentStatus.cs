using Microsoft.Extensions.Hosting;
using Rampart.Agent.Control;

namespace Rampart.Agent;

/// <summary>Answers <c>agent.status</c>: is the agent up, since when, and where its state lives.</summary>
public sealed class AgentStatus(AgentOptions options, ControlDispatcher dispatcher, TimeProvider? timeProvider = null) : IHostedService
{
    private readonly DateTimeOffset _started = (timeProvider ?? TimeProvider.System).GetUtcNow();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        dispatcher.Register("agent.status", _ => ValueTask.FromResult<object?>(new AgentStatusResult(
            Environment.ProcessId, _started, options.Home, typeof(AgentStatus).Assembly.GetName().Version?.ToString() ?? "0", [.. dispatcher.Commands])));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

public sealed record AgentStatusResult(int ProcessId, DateTimeOffset Started, string Home, string Version, IReadOnlyList<string> Commands);
