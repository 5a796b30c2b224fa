#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The seed's MVP (seed 000_b49f44b08341d14e, tasks 0.1.2 to 0.9.4) in
# PyTorch, as the seed describes it, to compare with bench-policy.c:
# embedding 16, hidden 32, agents Echo (cost 1.0) and Terminator (cost 0),
# max_steps 4, 32 episodes per epoch, REINFORCE with Adam (lr 0.01).
# The state embedding uses the same features as Troupe's version 1, so the
# learning curves can be compared. Usage: reference.py [EPOCHS [SEED]].
# Prints the same "curve" and "episodes_per_second" lines as bench-policy.

import sys
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class AgentOutput:
    content: Any
    cost: float
    metadata: Optional[dict] = None


@dataclass
class SystemState:
    task_specification: str
    history: List[Tuple[str, AgentOutput]]
    current_step: int
    max_steps: int
    custom_data: Optional[dict] = None


class AgentInterface(ABC):
    def __init__(self, name: str):
        self.name = name

    @abstractmethod
    def execute(self, state: SystemState) -> AgentOutput:
        pass


class TerminatorAgent(AgentInterface):
    def execute(self, state):
        return AgentOutput(content="TERMINATE", cost=0.0)


class EchoAgent(AgentInterface):
    def execute(self, state):
        return AgentOutput(content=state.task_specification, cost=1.0)


@dataclass
class RewardConfig:
    lambda_cost_penalty: float = 0.1
    gamma_discount_factor: float = 0.99
    task_success_bonus: float = 1.0
    task_failure_penalty: float = -1.0
    step_cost_scale_factor: float = 1.0


def calculate_reward(agent_output, is_terminal, task_was_successful, reward_config):
    if is_terminal:
        return ((reward_config.task_success_bonus if task_was_successful
                 else reward_config.task_failure_penalty)
                - reward_config.lambda_cost_penalty * agent_output.cost
                * reward_config.step_cost_scale_factor)
    return (-reward_config.lambda_cost_penalty * agent_output.cost
            * reward_config.step_cost_scale_factor)


@dataclass
class TrajectoryStep:
    state_embedding: torch.Tensor
    agent_index: int
    log_prob: torch.Tensor
    reward: float
    next_state_embedding: Optional[torch.Tensor]
    is_terminal_step: bool


@dataclass
class EpisodeTrajectory:
    steps: List[TrajectoryStep]
    total_undiscounted_reward: float
    task_successful: bool


class PolicyNetwork(nn.Module):
    def __init__(self, state_embedding_dim, num_agents, hidden_dim, agent_names):
        super().__init__()
        self.state_embedding_dim = state_embedding_dim
        self.agent_names = agent_names
        self.net = nn.Sequential(nn.Linear(state_embedding_dim, hidden_dim), nn.ReLU(),
                                 nn.Linear(hidden_dim, num_agents))

    def forward(self, state_embedding):
        return self.net(state_embedding)

    def _embed_state(self, state):
        # Troupe's embedding version 1 (see troupe-orchestration-env.h).
        n = len(self.agent_names)
        e = torch.zeros(self.state_embedding_dim)
        m = float(max(state.max_steps, 1))
        e[0] = state.current_step / m
        cost = 0.0
        for name, output in state.history:
            e[1 + self.agent_names.index(name)] += 1.0 / m
            cost += output.cost
        if state.history:
            e[1 + n + self.agent_names.index(state.history[-1][0])] = 1.0
            e[1 + 2 * n] = 1.0
        e[2 + 2 * n] = cost / m
        return e

    def select_action(self, state):
        logits = self.forward(self._embed_state(state))
        probs = F.softmax(logits, dim=-1)
        index = torch.multinomial(probs, 1).item()
        return index, torch.log(probs[index])


class Orchestrator:
    def __init__(self, agents, policy, reward_config):
        self.agents = agents
        self.policy = policy
        self.reward_config = reward_config

    def _update_state(self, state, agent_name, agent_output):
        state.history.append((agent_name, agent_output))
        state.current_step += 1
        return state

    def _is_terminated(self, state, last_agent_name):
        return state.current_step >= state.max_steps or last_agent_name == "Agent1"

    def run_episode(self, state):
        steps = []
        total = 0.0
        successful = False
        while True:
            embedding = self.policy._embed_state(state)
            index, log_prob = self.policy.select_action(state)
            agent = self.agents[index]
            output = agent.execute(state)
            state = self._update_state(state, agent.name, output)
            terminal = self._is_terminated(state, agent.name)
            if terminal:
                successful = (isinstance(agent, TerminatorAgent)
                              and state.current_step < state.max_steps)
            reward = calculate_reward(output, terminal, successful, self.reward_config)
            total += reward
            steps.append(TrajectoryStep(embedding, index, log_prob, reward,
                                        None if terminal else self.policy._embed_state(state),
                                        terminal))
            if terminal:
                return EpisodeTrajectory(steps, total, successful)


class REINFORCETrainer:
    def __init__(self, policy_network, optimizer, reward_config):
        self.policy = policy_network
        self.optimizer = optimizer
        self.reward_config = reward_config

    def train_batch(self, trajectories):
        gamma = self.reward_config.gamma_discount_factor
        loss = 0.0
        for trajectory in trajectories:
            g = 0.0
            returns = []
            for step in reversed(trajectory.steps):
                g = step.reward + gamma * g
                returns.append(g)
            returns.reverse()
            for step, g in zip(trajectory.steps, returns):
                loss = loss - step.log_prob * g
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.item()


def main():
    epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    episodes_per_epoch = 32
    torch.manual_seed(seed)

    agents = [EchoAgent("Agent0"), TerminatorAgent("Agent1")]
    reward_config = RewardConfig()
    policy = PolicyNetwork(16, len(agents), 32, [a.name for a in agents])
    optimizer = torch.optim.Adam(policy.parameters(), lr=0.01)
    orchestrator = Orchestrator(agents, policy, reward_config)
    trainer = REINFORCETrainer(policy, optimizer, reward_config)

    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        batch = [orchestrator.run_episode(SystemState("Echo the task", [], 0, 4))
                 for _ in range(episodes_per_epoch)]
        trainer.train_batch(batch)
        if epoch in (1, 5, 10, 25, 50, 100):
            mean = sum(t.total_undiscounted_reward for t in batch) / len(batch)
            success = sum(t.task_successful for t in batch) / len(batch)
            length = sum(len(t.steps) for t in batch) / len(batch)
            print(f"curve epoch {epoch} mean_reward {mean:.4f} success_rate {success:.4f} "
                  f"mean_length {length:.3f}")
    seconds = time.perf_counter() - start

    print(f"PyTorch {torch.__version__}: {epochs * episodes_per_epoch} episodes in {seconds:.3f} s")
    print(f"episodes_per_second {epochs * episodes_per_epoch / seconds:.1f}")


if __name__ == "__main__":
    main()
