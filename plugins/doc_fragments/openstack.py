"""Documentation shared by the OpenStack modules (module_utils/openstack.py and resource.py)."""

from __future__ import annotations


class ModuleDocFragment:
    """``stackwright.cloud.openstack``: the connection options of every OpenStack module;
    ``stackwright.cloud.openstack.resource``: C(state), check mode and diff of resource modules;
    ``stackwright.cloud.openstack.info``: check mode and diff of the listing modules."""

    DOCUMENTATION = r"""
options:
  cloud:
    description:
      - Name of a cloud in C(clouds.yaml) (C(/etc/openstack/clouds.yaml),
        C(~/.config/openstack/clouds.yaml) or C(./clouds.yaml)). The other options override its
        values.
      - Without I(cloud) and I(auth), C(OS_CLOUD) or the C(OS_*) environment variables are used.
    type: str
  auth:
    description:
      - Authentication parameters of the keystoneauth plugin (I(auth_url), I(username),
        I(password), I(project_name), I(user_domain_name), I(project_domain_name),
        I(application_credential_id), I(application_credential_secret)...).
      - Without I(cloud), this is the whole configuration; C(clouds.yaml) and C(OS_*) variables
        are then ignored.
      - Secret values are masked in the module's output; the values of the well-known public
        keys (I(auth_url), names and ids) are not.
    type: dict
  auth_type:
    description: The keystoneauth plugin, such as C(password), C(v3applicationcredential), C(token).
    type: str
  region_name:
    description: Region whose endpoints are used.
    type: str
  interface:
    description: Which endpoints of the catalog are used.
    type: str
    choices: [public, internal, admin]
    default: public
  ca_cert:
    description: CA bundle that verifies the API servers' certificates.
    type: path
    aliases: [cacert]
  validate_certs:
    description: Whether TLS certificates are verified; the cloud's configuration decides when unset.
    type: bool
    aliases: [verify]
  wait:
    description: Wait for the resource to be ready (or gone) where the API works asynchronously.
    type: bool
    default: true
  timeout:
    description: Seconds to wait when I(wait) is true.
    type: int
    default: 180
  api_timeout:
    description: Seconds before one API request times out.
    type: int
requirements:
  - python >= 3.9
  - openstacksdk >= 4.0
notes:
  - The module runs where the task runs; delegate to the deploy host (C(delegate_to) or a
    C(localhost) play) where openstacksdk is installed.
"""

    RESOURCE = r"""
options:
  state:
    description:
      - C(present) creates the resource when missing and updates its updatable attributes in
        place; an option left unset is not compared. A differing create-only attribute makes the
        module fail naming it.
      - C(absent) deletes it when it exists.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    description: Reports what would change and the would-be resource, calling nothing that changes it.
    support: full
  diff_mode:
    description: Returns the resource's attributes before and after (an empty dict for a missing one).
    support: full
"""

    INFO = r"""
attributes:
  check_mode:
    description: Changes nothing in any mode.
    support: full
  diff_mode:
    description: Nothing to show.
    support: none
"""
