/* troupe-policy.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A small seeded generator (xoshiro256**, seeded through splitmix64) so
 * that training gives bit-identical episodes on every machine; GLib's
 * g_random makes no such promise. */
typedef struct
{
  guint64 s[4];
} TroupeRng;

void     troupe_rng_init    (TroupeRng *rng,
                             guint64    seed);
guint64  troupe_rng_next    (TroupeRng *rng);
/* A double in [0, 1) with 53 random bits. */
double   troupe_rng_uniform (TroupeRng *rng);

#define TROUPE_POLICY_ERROR (troupe_policy_error_quark ())

typedef enum
{
  /* The file is not a policy, or its numbers do not fit its architecture. */
  TROUPE_POLICY_ERROR_INVALID,
  /* The policy was trained for another agent pool or embedding. */
  TROUPE_POLICY_ERROR_MISMATCH,
} TroupePolicyError;

GQuark troupe_policy_error_quark (void);

/* The policy network of the seed: an MLP from the state embedding through
 * hidden layers with ReLU to one logit per agent of the pool, then softmax.
 * All parameters live in one flat array (per layer: the weights row-major,
 * out × in, then the biases), so the optimizer and the gradient clipping
 * see one vector. Forward and backward are written by hand in double
 * precision with fixed loop orders, so results do not depend on the
 * machine. A policy keeps the activations of its last forward pass for the
 * backward pass, so one policy is used by one thread at a time. */
typedef struct _TroupePolicy TroupePolicy;

TroupePolicy       *troupe_policy_new            (guint               input_dim,
                                                  const guint        *hidden,
                                                  guint               n_hidden,
                                                  const char * const *agents,
                                                  guint               embedding_version,
                                                  guint64             seed);
void                troupe_policy_free           (TroupePolicy       *self);

guint               troupe_policy_get_input_dim  (const TroupePolicy *self);
guint               troupe_policy_get_n_agents   (const TroupePolicy *self);
const char * const *troupe_policy_get_agents     (const TroupePolicy *self);
guint               troupe_policy_get_embedding_version (const TroupePolicy *self);
/* The layer sizes, input first and the agent count last. */
const guint        *troupe_policy_get_layer_sizes (const TroupePolicy *self,
                                                   guint              *n_sizes);
guint               troupe_policy_get_n_params   (const TroupePolicy *self);
double             *troupe_policy_get_params     (TroupePolicy       *self);
double             *troupe_policy_get_grads      (TroupePolicy       *self);

/* Computes the logits and the probabilities (each n_agents long; either may
 * be NULL) of @input and keeps the activations for troupe_policy_backward(). */
void                troupe_policy_forward        (TroupePolicy       *self,
                                                  const double       *input,
                                                  double             *logits,
                                                  double             *probs);
/* Samples an agent from the softmax of @input; *@log_prob and *@entropy
 * (either may be NULL) receive log π(a|s) and the distribution's entropy. */
guint               troupe_policy_sample         (TroupePolicy       *self,
                                                  const double       *input,
                                                  TroupeRng          *rng,
                                                  double             *log_prob,
                                                  double             *entropy);
/* The most probable agent (the lowest index on a tie). */
guint               troupe_policy_greedy         (TroupePolicy       *self,
                                                  const double       *input,
                                                  double             *log_prob);
void                troupe_policy_zero_grad      (TroupePolicy       *self);
/* Adds to the gradients the derivative of a scalar loss whose derivative
 * with respect to the logits of the LAST forward pass is @dlogits. */
void                troupe_policy_backward       (TroupePolicy       *self,
                                                  const double       *dlogits);

/* JSON: the architecture, the weights, the agent names and the embedding
 * version. Doubles are written so that they read back bit-identical. */
char               *troupe_policy_to_json        (const TroupePolicy *self);
TroupePolicy       *troupe_policy_new_from_json  (const char         *data,
                                                  GError            **error);
gboolean            troupe_policy_save           (const TroupePolicy *self,
                                                  const char         *path,
                                                  GError            **error);
TroupePolicy       *troupe_policy_load           (const char         *path,
                                                  GError            **error);
/* Fails with TROUPE_POLICY_ERROR_MISMATCH, naming both pools, unless the
 * policy's agents are exactly @agents in the same order, and its embedding
 * version and size are @embedding_version and @input_dim. */
gboolean            troupe_policy_check_compatible (const TroupePolicy *self,
                                                    const char * const *agents,
                                                    guint               embedding_version,
                                                    guint               input_dim,
                                                    GError            **error);

/* The most hidden layers troupe_policy_parse_hidden_sizes() accepts. */
#define TROUPE_POLICY_MAX_HIDDEN_LAYERS 8

/* Parses hidden layer sizes written as `troupe train --hidden` takes them:
 * comma-separated sizes 1..4096 such as "32,32" (spaces allowed), at most
 * TROUPE_POLICY_MAX_HIDDEN_LAYERS of them; "" or "0" means no hidden
 * layer. @hidden has room for TROUPE_POLICY_MAX_HIDDEN_LAYERS sizes.
 * FALSE when @text is not such a list. */
gboolean            troupe_policy_parse_hidden_sizes (const char *text,
                                                      guint      *hidden,
                                                      guint      *n_hidden);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TroupePolicy, troupe_policy_free)

G_END_DECLS
