/* troupe-policy.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "troupe-policy.h"

#define POLICY_FORMAT "troupe-policy"
#define POLICY_FORMAT_VERSION 1

struct _TroupePolicy
{
  char   **agents;
  guint   *sizes;        /* n_layers + 1 sizes: input, hidden…, agents */
  gsize   *offsets;      /* where each layer's weights start in params */
  double  *params;
  double  *grads;
  /* The activations of the last forward pass: per layer, the output after
   * ReLU (hidden layers) or the logits (last layer); input is a copy. */
  double **acts;
  double  *input;
  double  *delta;        /* two scratch vectors as long as the widest layer */
  double  *delta_next;
  guint    n_layers;
  guint    n_params;
  guint    embedding_version;
};

G_DEFINE_QUARK (troupe-policy-error-quark, troupe_policy_error)

static inline guint64
rotl (guint64 x,
      int     k)
{
  return (x << k) | (x >> (64 - k));
}

static guint64
splitmix64 (guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

void
troupe_rng_init (TroupeRng *rng,
                 guint64    seed)
{
  guint64 state = seed;

  g_return_if_fail (rng != NULL);

  for (guint i = 0; i < 4; i++)
    rng->s[i] = splitmix64 (&state);
}

guint64
troupe_rng_next (TroupeRng *rng)
{
  guint64 *s = rng->s;
  guint64 result = rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);

  return result;
}

double
troupe_rng_uniform (TroupeRng *rng)
{
  return (double) (troupe_rng_next (rng) >> 11) * 0x1.0p-53;
}

static TroupePolicy *
policy_alloc (const guint        *sizes,
              guint               n_sizes,
              const char * const *agents,
              guint               embedding_version)
{
  TroupePolicy *self = g_new0 (TroupePolicy, 1);
  guint widest = 0;
  gsize offset = 0;

  g_assert (n_sizes >= 2);

  self->n_layers = n_sizes - 1;
  self->sizes = g_memdup2 (sizes, sizeof (guint) * n_sizes);
  self->agents = g_strdupv ((char **) agents);
  self->embedding_version = embedding_version;
  self->offsets = g_new0 (gsize, self->n_layers);
  self->acts = g_new0 (double *, self->n_layers);

  for (guint l = 0; l < self->n_layers; l++)
    {
      self->offsets[l] = offset;
      offset += (gsize) sizes[l + 1] * sizes[l] + sizes[l + 1];
      self->acts[l] = g_new0 (double, sizes[l + 1]);
    }
  for (guint l = 0; l < n_sizes; l++)
    widest = MAX (widest, sizes[l]);

  self->n_params = (guint) offset;
  self->params = g_new0 (double, offset);
  self->grads = g_new0 (double, offset);
  self->input = g_new0 (double, sizes[0]);
  self->delta = g_new0 (double, widest);
  self->delta_next = g_new0 (double, widest);

  return self;
}

TroupePolicy *
troupe_policy_new (guint               input_dim,
                   const guint        *hidden,
                   guint               n_hidden,
                   const char * const *agents,
                   guint               embedding_version,
                   guint64             seed)
{
  g_autofree guint *sizes = NULL;
  TroupePolicy *self;
  TroupeRng rng;
  guint n_agents;

  g_return_val_if_fail (input_dim > 0, NULL);
  g_return_val_if_fail (agents != NULL, NULL);
  g_return_val_if_fail (n_hidden == 0 || hidden != NULL, NULL);

  n_agents = g_strv_length ((char **) agents);
  g_return_val_if_fail (n_agents >= 1, NULL);

  sizes = g_new0 (guint, n_hidden + 2);
  sizes[0] = input_dim;
  for (guint i = 0; i < n_hidden; i++)
    {
      g_return_val_if_fail (hidden[i] > 0, NULL);
      sizes[i + 1] = hidden[i];
    }
  sizes[n_hidden + 1] = n_agents;

  self = policy_alloc (sizes, n_hidden + 2, agents, embedding_version);

  /* PyTorch's nn.Linear default: weights and biases uniform in
   * ±1/sqrt(fan_in), so the reference script starts from the same
   * distribution (not the same numbers). */
  troupe_rng_init (&rng, seed);
  for (guint l = 0; l < self->n_layers; l++)
    {
      double bound = 1.0 / sqrt ((double) sizes[l]);
      gsize n = (gsize) sizes[l + 1] * sizes[l] + sizes[l + 1];
      double *p = self->params + self->offsets[l];

      for (gsize i = 0; i < n; i++)
        p[i] = (2.0 * troupe_rng_uniform (&rng) - 1.0) * bound;
    }

  return self;
}

void
troupe_policy_free (TroupePolicy *self)
{
  if (self == NULL)
    return;

  for (guint l = 0; l < self->n_layers; l++)
    g_free (self->acts[l]);
  g_free (self->acts);
  g_strfreev (self->agents);
  g_free (self->sizes);
  g_free (self->offsets);
  g_free (self->params);
  g_free (self->grads);
  g_free (self->input);
  g_free (self->delta);
  g_free (self->delta_next);
  g_free (self);
}

guint
troupe_policy_get_input_dim (const TroupePolicy *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->sizes[0];
}

guint
troupe_policy_get_n_agents (const TroupePolicy *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->sizes[self->n_layers];
}

const char * const *
troupe_policy_get_agents (const TroupePolicy *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return (const char * const *) self->agents;
}

guint
troupe_policy_get_embedding_version (const TroupePolicy *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->embedding_version;
}

const guint *
troupe_policy_get_layer_sizes (const TroupePolicy *self,
                               guint              *n_sizes)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (n_sizes != NULL)
    *n_sizes = self->n_layers + 1;
  return self->sizes;
}

guint
troupe_policy_get_n_params (const TroupePolicy *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_params;
}

double *
troupe_policy_get_params (TroupePolicy *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->params;
}

double *
troupe_policy_get_grads (TroupePolicy *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->grads;
}

/* log Σ exp (logits), shifted by the maximum so that nothing overflows. */
static double
log_sum_exp (const double *logits,
             guint         n)
{
  double max = logits[0];
  double sum = 0.0;

  for (guint i = 1; i < n; i++)
    max = MAX (max, logits[i]);
  for (guint i = 0; i < n; i++)
    sum += exp (logits[i] - max);

  return max + log (sum);
}

/* Fills @probs with the softmax of @logits and returns the entropy. */
static double
softmax (const double *logits,
         guint         n,
         double       *probs)
{
  double lse = log_sum_exp (logits, n);
  double entropy = 0.0;

  for (guint i = 0; i < n; i++)
    {
      double log_p = logits[i] - lse;

      probs[i] = exp (log_p);
      entropy -= probs[i] * log_p;
    }

  return entropy;
}

void
troupe_policy_forward (TroupePolicy *self,
                       const double *input,
                       double       *logits,
                       double       *probs)
{
  const double *x;
  guint n_out;

  g_return_if_fail (self != NULL);
  g_return_if_fail (input != NULL);

  memcpy (self->input, input, sizeof (double) * self->sizes[0]);
  x = self->input;

  for (guint l = 0; l < self->n_layers; l++)
    {
      guint in = self->sizes[l];
      guint out = self->sizes[l + 1];
      const double *w = self->params + self->offsets[l];
      const double *b = w + (gsize) out * in;
      double *y = self->acts[l];
      gboolean hidden = l + 1 < self->n_layers;

      for (guint o = 0; o < out; o++)
        {
          const double *row = w + (gsize) o * in;
          double sum = b[o];

          for (guint i = 0; i < in; i++)
            sum += row[i] * x[i];

          y[o] = (hidden && sum < 0.0) ? 0.0 : sum;
        }
      x = y;
    }

  n_out = self->sizes[self->n_layers];
  if (logits != NULL)
    memcpy (logits, x, sizeof (double) * n_out);
  if (probs != NULL)
    softmax (x, n_out, probs);
}

guint
troupe_policy_sample (TroupePolicy *self,
                      const double *input,
                      TroupeRng    *rng,
                      double       *log_prob,
                      double       *entropy)
{
  guint n = troupe_policy_get_n_agents (self);
  double probs[n];
  const double *logits;
  double u, h, cumulative = 0.0;
  guint chosen = n - 1;

  g_return_val_if_fail (rng != NULL, 0);

  troupe_policy_forward (self, input, NULL, NULL);
  logits = self->acts[self->n_layers - 1];
  h = softmax (logits, n, probs);

  /* Inverse transform sampling, as torch.multinomial does for one draw;
   * the last agent takes any rounding left over. */
  u = troupe_rng_uniform (rng);
  for (guint i = 0; i < n; i++)
    {
      cumulative += probs[i];
      if (u < cumulative)
        {
          chosen = i;
          break;
        }
    }

  if (log_prob != NULL)
    *log_prob = logits[chosen] - log_sum_exp (logits, n);
  if (entropy != NULL)
    *entropy = h;

  return chosen;
}

guint
troupe_policy_greedy (TroupePolicy *self,
                      const double *input,
                      double       *log_prob)
{
  guint n = troupe_policy_get_n_agents (self);
  const double *logits;
  guint best = 0;

  troupe_policy_forward (self, input, NULL, NULL);
  logits = self->acts[self->n_layers - 1];

  for (guint i = 1; i < n; i++)
    if (logits[i] > logits[best])
      best = i;

  if (log_prob != NULL)
    *log_prob = logits[best] - log_sum_exp (logits, n);

  return best;
}

void
troupe_policy_zero_grad (TroupePolicy *self)
{
  g_return_if_fail (self != NULL);

  memset (self->grads, 0, sizeof (double) * self->n_params);
}

void
troupe_policy_backward (TroupePolicy *self,
                        const double *dlogits)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (dlogits != NULL);

  memcpy (self->delta, dlogits, sizeof (double) * self->sizes[self->n_layers]);

  for (guint l = self->n_layers; l-- > 0;)
    {
      guint in = self->sizes[l];
      guint out = self->sizes[l + 1];
      const double *w = self->params + self->offsets[l];
      double *gw = self->grads + self->offsets[l];
      double *gb = gw + (gsize) out * in;
      const double *x = l == 0 ? self->input : self->acts[l - 1];
      double *tmp;

      for (guint o = 0; o < out; o++)
        {
          double d = self->delta[o];
          double *grow = gw + (gsize) o * in;

          gb[o] += d;
          if (d != 0.0)
            for (guint i = 0; i < in; i++)
              grow[i] += d * x[i];
        }

      if (l == 0)
        break;

      /* The input of this layer is the ReLU output of the previous one: its
       * derivative is 1 where the unit was active, 0 where it was clamped. */
      for (guint i = 0; i < in; i++)
        {
          double sum = 0.0;

          if (x[i] > 0.0)
            for (guint o = 0; o < out; o++)
              sum += w[(gsize) o * in + i] * self->delta[o];
          self->delta_next[i] = sum;
        }

      tmp = self->delta;
      self->delta = self->delta_next;
      self->delta_next = tmp;
    }
}

char *
troupe_policy_to_json (const TroupePolicy *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "format");
  json_builder_add_string_value (builder, POLICY_FORMAT);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, POLICY_FORMAT_VERSION);
  json_builder_set_member_name (builder, "embedding_version");
  json_builder_add_int_value (builder, self->embedding_version);

  json_builder_set_member_name (builder, "agents");
  json_builder_begin_array (builder);
  for (guint i = 0; self->agents[i] != NULL; i++)
    json_builder_add_string_value (builder, self->agents[i]);
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "layers");
  json_builder_begin_array (builder);
  for (guint l = 0; l <= self->n_layers; l++)
    json_builder_add_int_value (builder, self->sizes[l]);
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "activation");
  json_builder_add_string_value (builder, "relu");

  /* One flat list in the documented order: per layer the weights row-major
   * (out × in), then the biases. */
  json_builder_set_member_name (builder, "parameters");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->n_params; i++)
    json_builder_add_double_value (builder, self->params[i]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  return json_generator_to_data (generator, NULL);
}

static gboolean
invalid (GError    **error,
         const char *what)
{
  g_set_error (error, TROUPE_POLICY_ERROR, TROUPE_POLICY_ERROR_INVALID,
               "Not a Troupe policy: %s; write policies with `troupe train -o FILE`",
               what);
  return FALSE;
}

/* The member @name of @object when it holds @type (G_TYPE_STRING,
 * G_TYPE_INT64; 0 for an array), else NULL. json-glib's getters complain
 * about a member of the wrong type, and a file is no reason to complain. */
static JsonNode *
get_member (JsonObject *object,
            const char *name,
            GType       type)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL)
    return NULL;
  if (type == 0)
    return JSON_NODE_HOLDS_ARRAY (node) ? node : NULL;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != type)
    return NULL;
  return node;
}

TroupePolicy *
troupe_policy_new_from_json (const char  *data,
                             GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GPtrArray) agents = g_ptr_array_new_with_free_func (g_free);
  g_autofree guint *sizes = NULL;
  JsonObject *object;
  JsonArray *array;
  JsonNode *root;
  JsonNode *node;
  TroupePolicy *self;
  guint embedding_version;
  guint n_sizes;
  guint64 n_params = 0;

  g_return_val_if_fail (data != NULL, NULL);

  if (!json_parser_load_from_data (parser, data, -1, error))
    return NULL;

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return invalid (error, "the top level is not an object"), NULL;
  object = json_node_get_object (root);

  node = get_member (object, "format", G_TYPE_STRING);
  if (node == NULL || g_strcmp0 (json_node_get_string (node), POLICY_FORMAT) != 0)
    return invalid (error, "\"format\" is not \"" POLICY_FORMAT "\""), NULL;
  node = get_member (object, "version", G_TYPE_INT64);
  if (node == NULL || json_node_get_int (node) != POLICY_FORMAT_VERSION)
    return invalid (error, "unsupported \"version\" (this Troupe reads version 1)"), NULL;
  node = get_member (object, "embedding_version", G_TYPE_INT64);
  if (node == NULL || json_node_get_int (node) < 0 || json_node_get_int (node) > G_MAXUINT)
    return invalid (error, "\"embedding_version\" must be a whole number"), NULL;
  embedding_version = (guint) json_node_get_int (node);

  node = get_member (object, "agents", 0);
  if (node == NULL || json_array_get_length (array = json_node_get_array (node)) == 0)
    return invalid (error, "\"agents\" must be a non-empty list of names"), NULL;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
        return invalid (error, "\"agents\" must hold only strings"), NULL;
      g_ptr_array_add (agents, g_strdup (json_node_get_string (element)));
    }
  g_ptr_array_add (agents, NULL);

  node = get_member (object, "layers", 0);
  if (node == NULL || json_array_get_length (array = json_node_get_array (node)) < 2)
    return invalid (error, "\"layers\" must list at least the input and output sizes"), NULL;
  n_sizes = json_array_get_length (array);
  sizes = g_new0 (guint, n_sizes);
  for (guint i = 0; i < n_sizes; i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      gint64 size;

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_INT64)
        return invalid (error, "\"layers\" must hold integers"), NULL;
      size = json_node_get_int (element);
      if (size < 1 || size > 65536)
        return invalid (error, "a layer size is outside 1..65536"), NULL;
      sizes[i] = (guint) size;
    }
  if (sizes[n_sizes - 1] != agents->len - 1)
    return invalid (error, "the last layer size is not the number of agents"), NULL;

  for (guint l = 0; l + 1 < n_sizes; l++)
    n_params += (guint64) sizes[l + 1] * sizes[l] + sizes[l + 1];

  node = get_member (object, "parameters", 0);
  if (node == NULL || json_array_get_length (array = json_node_get_array (node)) != n_params)
    return invalid (error, "\"parameters\" does not hold as many numbers as the layers need"), NULL;

  self = policy_alloc (sizes, n_sizes, (const char * const *) agents->pdata, embedding_version);
  for (guint i = 0; i < self->n_params; i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      GType type = JSON_NODE_HOLDS_VALUE (element) ? json_node_get_value_type (element) : G_TYPE_INVALID;

      if (type == G_TYPE_DOUBLE)
        self->params[i] = json_node_get_double (element);
      else if (type == G_TYPE_INT64)
        self->params[i] = (double) json_node_get_int (element);
      else
        {
          troupe_policy_free (self);
          return invalid (error, "\"parameters\" must hold only numbers"), NULL;
        }
    }

  return self;
}

gboolean
troupe_policy_save (const TroupePolicy  *self,
                    const char          *path,
                    GError             **error)
{
  g_autofree char *data = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  data = troupe_policy_to_json (self);
  return g_file_set_contents (path, data, -1, error);
}

TroupePolicy *
troupe_policy_load (const char  *path,
                    GError     **error)
{
  g_autofree char *data = NULL;
  g_autoptr(GError) local_error = NULL;
  TroupePolicy *self;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &data, NULL, error))
    return NULL;

  self = troupe_policy_new_from_json (data, &local_error);
  if (self == NULL)
    {
      g_set_error (error, TROUPE_POLICY_ERROR, TROUPE_POLICY_ERROR_INVALID,
                   "%s: %s", path, local_error->message);
      return NULL;
    }

  return self;
}

gboolean
troupe_policy_check_compatible (const TroupePolicy  *self,
                                const char * const  *agents,
                                guint                embedding_version,
                                guint                input_dim,
                                GError             **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (agents != NULL, FALSE);

  if (!g_strv_equal ((const char * const *) self->agents, agents))
    {
      g_autofree char *theirs = g_strjoinv (", ", self->agents);
      g_autofree char *ours = g_strjoinv (", ", (char **) agents);

      g_set_error (error, TROUPE_POLICY_ERROR, TROUPE_POLICY_ERROR_MISMATCH,
                   "The policy was trained for the agents [%s], but this environment "
                   "has the agents [%s]; train a policy for it with `troupe train`",
                   theirs, ours);
      return FALSE;
    }

  if (self->embedding_version != embedding_version || self->sizes[0] != input_dim)
    {
      g_set_error (error, TROUPE_POLICY_ERROR, TROUPE_POLICY_ERROR_MISMATCH,
                   "The policy reads state embedding version %u of size %u, but this "
                   "Troupe makes version %u of size %u; train the policy again with "
                   "`troupe train`",
                   self->embedding_version, self->sizes[0], embedding_version, input_dim);
      return FALSE;
    }

  return TRUE;
}

gboolean
troupe_policy_parse_hidden_sizes (const char *text,
                                  guint      *hidden,
                                  guint      *n_hidden)
{
  g_auto(GStrv) parts = NULL;
  g_autofree char *stripped = NULL;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (hidden != NULL, FALSE);
  g_return_val_if_fail (n_hidden != NULL, FALSE);

  *n_hidden = 0;
  stripped = g_strstrip (g_strdup (text));
  if (g_str_equal (stripped, "") || g_str_equal (stripped, "0"))
    return TRUE;

  parts = g_strsplit (stripped, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      guint64 size;

      if (i >= TROUPE_POLICY_MAX_HIDDEN_LAYERS
          || !g_ascii_string_to_unsigned (g_strstrip (parts[i]), 10, 1, 4096, &size, NULL))
        {
          *n_hidden = 0;
          return FALSE;
        }
      hidden[(*n_hidden)++] = (guint) size;
    }

  return TRUE;
}
